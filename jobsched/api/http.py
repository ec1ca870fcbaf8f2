"""Framework-free HTTP helpers: one table maps error codes to statuses."""

from __future__ import annotations

import hmac
import json
from collections.abc import Iterable
from typing import Any

from jobsched.domain.audit import key_id
from jobsched.errors import HTTP_STATUS, JobSchedulerError, UnauthorizedError, ValidationError

MAX_BODY_BYTES = 1024 * 1024


def status_for(exc: JobSchedulerError) -> int:
    return HTTP_STATUS.get(exc.code, 500)


def error_body(exc: JobSchedulerError) -> dict[str, Any]:
    return {"error": exc.to_dict()}


def check_bearer(authorization: str | None, keys: Iterable[str]) -> str:
    """The id of the key the header carries (what the audit log records, never the
    key); ``UnauthorizedError`` unless it is one of ``keys``."""
    keys = [k for k in keys if k]
    if not keys:
        raise UnauthorizedError("the API has no keys configured (set API_KEYS)")
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise UnauthorizedError("send 'Authorization: Bearer <API key>'")
    token = token.strip()
    # Compare against every key in constant time so timing reveals nothing.
    matched = None
    for key in keys:
        if hmac.compare_digest(token.encode(), key.encode()):
            matched = key
    if matched is None:
        raise UnauthorizedError("unknown API key")
    return key_id(matched)


class _NotJson(ValueError):
    """A token Python's json module accepts but JSON (and PostgreSQL) does not."""


def _refuse_constant(name: str) -> Any:
    raise _NotJson(f"{name} is not a JSON number")


def parse_json(raw: bytes | str | None, required: bool = True) -> Any:
    """The request body as JSON; a clear 400 for anything else.

    Stricter than ``json.loads``: ``NaN``/``Infinity`` are refused, and a body nested
    too deep for the parser is a 400, not a ``RecursionError``. What the document
    holds (depth, NUL, surrogates) is checked field by field by the domain, which
    names the field.
    """
    if raw is None or raw in (b"", ""):
        if required:
            raise ValidationError({"body": "a JSON body is required"})
        return None
    if len(raw) > MAX_BODY_BYTES:
        raise ValidationError({"body": f"must be at most {MAX_BODY_BYTES} bytes"})
    try:
        return json.loads(raw, parse_constant=_refuse_constant)
    except RecursionError:
        raise ValidationError({"body": "is nested too deeply"}) from None
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, _NotJson
        raise ValidationError({"body": f"is not valid JSON: {exc}"}) from None
