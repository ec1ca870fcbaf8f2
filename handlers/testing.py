"""Handlers for trying the system out: ``test.echo``, ``test.delay``, ``test.log``.

They do nothing useful on purpose, so demos, the dashboard and the chaos tests can
make work of a known length and outcome.
"""

from __future__ import annotations

from typing import Any

from handlers._payload import check_object, is_int, require_valid
from jobsched.handler_settings import HandlerSettings
from jobsched.registry import Handler, HandlerContext, HandlerRegistry

MAX_DELAY_MS = 24 * 3600 * 1000
DEFAULT_DELAY_MS = 1000
DEFAULT_FAIL_MESSAGE = "test.delay failed as asked"
MAX_MESSAGE = 10_000
LEVELS = ("debug", "info", "warning", "error")


# test.echo ------------------------------------------------------------------------------


def validate_echo(payload: dict[str, Any], settings: HandlerSettings) -> dict[str, str]:
    """Any object is fine: the payload is the result."""
    return {} if isinstance(payload, dict) else {"payload": "must be a JSON object"}


def run_echo(payload: dict[str, Any], ctx: HandlerContext) -> dict[str, Any]:
    """Return the payload unchanged."""
    return payload


# test.delay -----------------------------------------------------------------------------

DELAY_FIELDS = ("durationMs", "shouldFail", "failMessage")


def validate_delay(payload: dict[str, Any], settings: HandlerSettings) -> dict[str, str]:
    problems = check_object(payload, DELAY_FIELDS)
    if "payload" in problems:
        return problems
    if "durationMs" in payload:
        duration = payload["durationMs"]
        if not is_int(duration) or not 0 <= duration <= MAX_DELAY_MS:
            problems["payload.durationMs"] = f"must be an integer from 0 to {MAX_DELAY_MS}"
    if "shouldFail" in payload and not isinstance(payload["shouldFail"], bool):
        problems["payload.shouldFail"] = "must be true or false"
    if "failMessage" in payload:
        message = payload["failMessage"]
        if not isinstance(message, str) or len(message) > MAX_MESSAGE:
            problems["payload.failMessage"] = f"must be a string of at most {MAX_MESSAGE} chars"
    return problems


def run_delay(payload: dict[str, Any], ctx: HandlerContext) -> dict[str, Any]:
    """Sleep ``durationMs``, then fail if ``shouldFail``; cancel and timeout cut it short."""
    require_valid(validate_delay(payload, ctx.handler_settings))
    duration_ms = payload.get("durationMs", DEFAULT_DELAY_MS)
    ctx.sleep(duration_ms / 1000)
    if payload.get("shouldFail", False):
        raise RuntimeError(payload.get("failMessage") or DEFAULT_FAIL_MESSAGE)
    return {"sleptMs": duration_ms}


# test.log -------------------------------------------------------------------------------

LOG_FIELDS = ("message", "level")


def validate_log(payload: dict[str, Any], settings: HandlerSettings) -> dict[str, str]:
    problems = check_object(payload, LOG_FIELDS)
    if "payload" in problems:
        return problems
    message = payload.get("message")
    if message is None:
        problems["payload.message"] = "is required"
    elif not isinstance(message, str) or len(message) > MAX_MESSAGE:
        problems["payload.message"] = f"must be a string of at most {MAX_MESSAGE} characters"
    level = payload.get("level", "info")
    if not isinstance(level, str) or level.lower() not in LEVELS:
        problems["payload.level"] = "must be one of " + ", ".join(LEVELS)
    return problems


def run_log(payload: dict[str, Any], ctx: HandlerContext) -> dict[str, Any]:
    """Log ``message`` at ``level`` with the job's logger."""
    require_valid(validate_log(payload, ctx.handler_settings))
    message: str = payload["message"]
    level = payload.get("level", "info").lower()
    # By method name rather than Logger.log(levelno, ...): ctx.logger may be a
    # powertools Logger or an adapter, which all have these four methods. No args are
    # passed, so a "%" in the message is logged as it is.
    getattr(ctx.logger, level)(message)
    return {"logged": message}


def register(registry: HandlerRegistry) -> None:
    # Harmless whatever they say: every field may be overridden by an operate key.
    registry.add(
        Handler("test.echo", run_echo, validate_echo, "Return the payload.", overridable=("*",))
    )
    registry.add(
        Handler(
            "test.delay",
            run_delay,
            validate_delay,
            "Sleep durationMs, then succeed, or fail with failMessage if shouldFail.",
            overridable=DELAY_FIELDS,
        )
    )
    registry.add(
        Handler("test.log", run_log, validate_log, "Log message at level.", overridable=LOG_FIELDS)
    )
