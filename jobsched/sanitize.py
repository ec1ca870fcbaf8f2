"""What handlers return or raise, made storable in PostgreSQL.

Handlers are user code and their output is anything: shell output with NUL bytes, a
webhook's PNG body, text with lone surrogates, NaN. PostgreSQL refuses NUL in ``text``
and ``jsonb``, lone surrogates cannot be encoded as UTF-8, and ``jsonb`` has no NaN, so
every result and error is cleaned here before it is written:

- text: NUL and lone surrogates become U+FFFD (the replacement character);
- bytes: text when they are UTF-8 (cleaned as above), else ``{"base64": "<data>"}``;
- NaN and infinities: the strings ``"nan"``, ``"inf"``, ``"-inf"``;
- object keys are cleaned like text; other values become their ``str()``;
- nesting deeper than ``MAX_DEPTH`` is cut (the rest becomes a note), and a result
  whose JSON is over ``MAX_RESULT_BYTES`` as the API sends it (escaped to ASCII:
  an emoji is 12 bytes) is replaced by ``{"truncated": true, ...}``.

A value that cannot be encoded at all (an int of over 4,300 digits, which Python
refuses to turn into text; a ``__str__`` that raises) raises ``UnstorableResult``,
and the worker fails the run with its message.
"""

from __future__ import annotations

import base64
import json
import math
import re
from typing import Any

from jobsched.domain.bounded import wire_json

MAX_DEPTH = 64
MAX_RESULT_BYTES = 256 * 1024
PREVIEW_CHARS = 4000
REPLACEMENT = "\ufffd"
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class UnstorableResult(ValueError):
    """What a handler returned cannot be made into JSON; the message says why."""


def clean_text(text: str, limit: int | None = None) -> str:
    """``text`` without NUL or lone surrogates, cut to ``limit`` characters."""
    text = _UNSTORABLE.sub(REPLACEMENT, text)
    return text if limit is None else text[:limit]


def _bytes(data: bytes) -> str | dict[str, str]:
    try:
        return clean_text(data.decode("utf-8"))
    except UnicodeDecodeError:
        return {"base64": base64.b64encode(data).decode("ascii")}


def _clean(value: Any, depth: int) -> Any:
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return _bytes(bytes(value))
    if depth >= MAX_DEPTH and isinstance(value, dict | list | tuple | set | frozenset):
        return f"(nested deeper than {MAX_DEPTH} levels; cut)"
    if isinstance(value, dict):
        return {clean_text(str(k)): _clean(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_clean(v, depth + 1) for v in value]
    return clean_text(str(value))


def clean_result(value: Any) -> Any:
    """A JSON value PostgreSQL's ``jsonb`` accepts, standing for what a handler returned.

    Raises ``UnstorableResult`` when there is none."""
    if value is None or (type(value) in (dict, list) and not value):
        # Most handlers return nothing or an empty document: nothing to clean or to
        # weigh (an encoding per run otherwise). Exact types only: a subclass's or a
        # user object's truth or equality may be anything.
        return None if value is None else type(value)()
    try:
        cleaned = _clean(value, 0)
        # Measured as sent (ASCII, so characters are bytes): what a list page weighs.
        size = len(wire_json(cleaned))
    except Exception as exc:  # user objects' __str__ may raise anything
        raise UnstorableResult(
            f"the handler's result cannot be stored: {type(exc).__name__}: {exc}"
        ) from exc
    if size <= MAX_RESULT_BYTES:
        return cleaned
    preview = json.dumps(cleaned, ensure_ascii=False)[:PREVIEW_CHARS]
    return {"truncated": True, "size_bytes": size, "preview": preview}
