"""Framework-free HTTP helpers: one table maps error codes to statuses."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from typing import Any

from jobsched.errors import HTTP_STATUS, JobSchedulerError, ValidationError

MAX_BODY_BYTES = 1024 * 1024


def status_for(exc: JobSchedulerError) -> int:
    return HTTP_STATUS.get(exc.code, 500)


def error_body(exc: JobSchedulerError) -> dict[str, Any]:
    return {"error": exc.to_dict()}


def bootstrap_key_index(token: str, keys: Iterable[str]) -> int | None:
    """The position of ``token`` in API_KEYS, or None. Every key is compared, in
    constant time, so timing reveals neither a key nor how much of one matched."""
    # Digests have one length, so not even a key's length shows.
    digest = hashlib.sha256(token.encode(errors="replace")).digest()
    matched = None
    for index, key in enumerate(keys):
        if key and hmac.compare_digest(digest, hashlib.sha256(key.encode()).digest()):
            matched = index
    return matched


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
