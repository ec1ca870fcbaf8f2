"""Typed errors: every answer outside 2xx becomes a JobSchedulerError.

The generated functions return the parsed Error model for the statuses the document
lists and None for any other (the SDK sets raise_on_unexpected_status=False so that an
undocumented status is decoded here too, from the body, instead of raising the
generator's UnexpectedStatus without the API's error code).
"""

from __future__ import annotations

import json
from typing import Any, TypeVar, overload

from jobsched_client.models.error_code import ErrorCode
from jobsched_client.models.error_response import ErrorResponse
from jobsched_client.models.execution import Execution
from jobsched_client.models.execution_page import ExecutionPage
from jobsched_client.types import Response

T = TypeVar("T")


class JobSchedulerError(Exception):
    """The API answered outside 2xx.

    ``status`` is the HTTP status; ``code`` the API's error code (an ErrorCode, or the
    raw text of a code this SDK does not know yet, or None when the body was not the
    API's error shape, e.g. a proxy's HTML page); ``fields`` maps each bad request
    field to what is wrong with it (400 validation errors)."""

    def __init__(
        self,
        status: int,
        code: ErrorCode | str | None,
        message: str,
        fields: dict[str, str] | None = None,
        body: bytes = b"",
    ) -> None:
        super().__init__(f"{status} {code or 'error'}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.fields: dict[str, str] = dict(fields or {})
        self.body = body


def _from_body(status: int, body: bytes) -> JobSchedulerError:
    """The error shape ``{"error": {"code", "message", "fields"?}}`` read by hand, for
    a status the document does not list (or a body the generated parser rejected)."""
    try:
        detail: Any = json.loads(body)["error"]
        message = str(detail["message"])
        raw = str(detail["code"])
    except (ValueError, KeyError, TypeError):
        text = body.decode("utf-8", "replace").strip()
        return JobSchedulerError(status, None, text[:500] or "no body", body=body)
    code: ErrorCode | str = ErrorCode(raw) if raw in ErrorCode._value2member_map_ else raw
    fields = detail.get("fields")
    fields = {str(k): str(v) for k, v in fields.items()} if isinstance(fields, dict) else {}
    return JobSchedulerError(status, code, message, fields, body)


def from_response(status: int, parsed: object, body: bytes) -> JobSchedulerError:
    """The JobSchedulerError of a non-2xx answer."""
    if isinstance(parsed, ErrorResponse):
        detail = parsed.error
        fields = detail.fields.to_dict() if detail.fields else {}
        return JobSchedulerError(status, detail.code, detail.message, fields, body)
    return _from_body(status, body)


# trigger_job answers one Execution or a page of them: mypy cannot pick T out of a union
# of three, so that operation has its own signature.
@overload
def unwrap(
    response: Response[ErrorResponse | Execution | ExecutionPage],
) -> Execution | ExecutionPage: ...
@overload
def unwrap(response: Response[ErrorResponse | T]) -> T: ...
def unwrap(response: Response[Any]) -> Any:
    """The parsed body of a 2xx answer of a generated ``*_detailed`` function (None for
    a 204), or a JobSchedulerError.

    >>> job = unwrap(create_job.sync_detailed(client=sdk.client, body=JobCreate(...)))
    """
    status = int(response.status_code)
    if 200 <= status < 300:
        return response.parsed
    raise from_response(status, response.parsed, response.content)
