"""Keyset pagination cursors: a page ends at its last row's sort key, and the next page
reads the rows after that key through an index, so a deep page costs what the first
one does (an OFFSET would read and discard every row before it).

A cursor is opaque to clients: URL-safe base64 of ``[kind, *key]``, where ``kind``
names the list (and its sort) so a cursor from another list or sort is refused.
Anything that does not decode to such a key is a 400 naming ``cursor``.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from jobsched.errors import ValidationError

Parser = Callable[[Any], Any]


def encode(kind: str, key: Sequence[Any]) -> str:
    text = json.dumps([kind, *key], separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode(cursor: str | None, kind: str, parsers: Sequence[Parser]) -> list[Any] | None:
    """The key a cursor from ``encode(kind, ...)`` holds, each value through its
    parser; None for no cursor (the first page)."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
        if not isinstance(data, list) or len(data) != len(parsers) + 1 or data[0] != kind:
            raise ValueError("not this list's cursor")
        return [parse(value) for parse, value in zip(parsers, data[1:], strict=True)]
    except (ValueError, TypeError, binascii.Error, RecursionError, OverflowError):
        raise ValidationError({"cursor": "is not a cursor this API returned"}) from None


def time(value: Any) -> datetime:
    """An ISO time with an offset (what ``encode`` was given as ``isoformat()``)."""
    if not isinstance(value, str):
        raise TypeError("a time is a string")
    parsed = datetime.fromisoformat(value)
    if parsed.utcoffset() is None:
        raise ValueError("a cursor's time has an offset")
    return parsed


def optional_time(value: Any) -> datetime | None:
    return None if value is None else time(value)


def uuid_value(value: Any) -> uuid.UUID:
    if not isinstance(value, str):
        raise TypeError("an id is a string")
    return uuid.UUID(value)


def integer(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or abs(value) >= 2**31:
        raise ValueError("not a stored integer")
    return value


def text(value: Any) -> str:
    """A string PostgreSQL can store: no NUL, no lone surrogates."""
    if not isinstance(value, str) or "\x00" in value:
        raise ValueError("not stored text")
    value.encode("utf-8")  # lone surrogates raise UnicodeEncodeError, a ValueError
    return value
