"""One coded root for every error the core raises.

Adapters (the API, the CLI) map ``code`` to an HTTP status or exit code through
``HTTP_STATUS``; nothing else needs to know the concrete classes.
"""

from __future__ import annotations

from typing import Any


class JobSchedulerError(Exception):
    """Root of every error the core raises on purpose."""

    code = "internal_error"
    headers: dict[str, str] = {}
    """HTTP headers the answer carries besides the body (Retry-After)."""

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        body.update(self.details)
        return body


MAX_FIELD_NAME = 200
MAX_PROBLEM = 2000


def _sendable(text: str, limit: int) -> str:
    """Field names come from the request (unknown keys are named back): keep them
    short and valid Unicode, so the error itself is valid JSON (RFC 8259)."""
    text = text.encode("utf-8", "replace").decode("utf-8")
    return text if len(text) <= limit else text[:limit] + "…"


class ValidationError(JobSchedulerError):
    """Bad input. ``fields`` maps each bad field to what is wrong with it."""

    code = "validation_error"

    def __init__(self, fields: dict[str, str], message: str | None = None) -> None:
        fields = {
            _sendable(name, MAX_FIELD_NAME): _sendable(problem, MAX_PROBLEM)
            for name, problem in fields.items()
        }
        names = ", ".join(sorted(fields))
        super().__init__(message or f"invalid fields: {names}", fields=fields)
        self.fields = fields


class NotFoundError(JobSchedulerError):
    code = "not_found"


class ConflictError(JobSchedulerError):
    code = "conflict"


class UnauthorizedError(JobSchedulerError):
    code = "unauthorized"


class ForbiddenError(JobSchedulerError):
    """The key is valid but its scope does not allow the request; names the scope needed."""

    code = "forbidden"

    def __init__(
        self, message: str, required_scope: str, fields: dict[str, str] | None = None
    ) -> None:
        """``fields``: the request's fields that need the scope (payload overrides)."""
        extra = {"fields": fields} if fields else {}
        super().__init__(message, required_scope=required_scope, **extra)


class RateLimitedError(JobSchedulerError):
    """The key went over its rate limit; ``retry_after_s`` says when to try again."""

    code = "rate_limited"

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(f"this key is over its rate limit; retry in {retry_after_s} s")
        self.retry_after_s = retry_after_s

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after_s)}


class FlowRateLimitedError(RateLimitedError):
    """A trigger over a job's rate key (mode ``reject``): 429 with ``Retry-After``."""

    def __init__(self, key: str, retry_after_s: int) -> None:
        retry_after_s = max(1, retry_after_s)
        message = f"the job's rate key {key!r} is over its limit; retry in {retry_after_s} s"
        JobSchedulerError.__init__(self, message, key=key)
        self.retry_after_s = retry_after_s


class SettingsError(JobSchedulerError):
    """A setting from the environment has a bad value; names the variable."""

    code = "settings_error"


class DependencyError(JobSchedulerError):
    """Redis or PostgreSQL did not answer; the operation can be retried.

    ``message`` is what API callers see ("Redis unavailable"); ``detail`` is the driver's
    text, which names internal hosts and ports, so it goes to logs (``str(exc)``) only.
    """

    code = "dependency_unavailable"

    def __init__(self, message: str, detail: str | None = None) -> None:
        super().__init__(message)
        self.detail = detail

    def __str__(self) -> str:
        return f"{self.message}: {self.detail}" if self.detail else self.message


class StatementTimeoutError(DependencyError):
    """PostgreSQL cancelled a statement of an API request that ran past
    ``API_STATEMENT_TIMEOUT_MS``: the database is busy (or the request asks much of
    it). Retryable, like every 503."""

    code = "statement_timeout"


HTTP_STATUS: dict[str, int] = {
    ValidationError.code: 400,
    UnauthorizedError.code: 401,
    ForbiddenError.code: 403,
    RateLimitedError.code: 429,
    NotFoundError.code: 404,
    ConflictError.code: 409,
    DependencyError.code: 503,
    StatementTimeoutError.code: 503,
    SettingsError.code: 500,
    JobSchedulerError.code: 500,
}

GATEWAY_CODES = ("bad_request", "unsupported_media_type", "method_not_allowed", "request_too_long")
"""Codes of the answers the HTTP layer gives before any route runs (Chalice, the local
front door), in the API's error shape too."""
ERROR_CODES = (*HTTP_STATUS, *GATEWAY_CODES)
"""Every ``error.code`` an answer may carry (a closed set: clients switch on it)."""
