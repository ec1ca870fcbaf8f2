"""Keyset pagination cursors: a page ends at its last row's sort key, and the next page
reads the rows after that key through an index, so a deep page costs what the first
one does (an OFFSET would read and discard every row before it).

A cursor is opaque to clients: URL-safe base64 of ``[kind, *key]``, where ``kind``
names the list (and its sort) so a cursor from another list or sort is refused.
Anything that does not decode to such a key is a 400 naming ``cursor``.

The cursor is an HTTP shape: the store reads and answers typed positions (a page's
``keys``, the ``after`` it resumes from); this module turns them into text and back,
and cuts a page to its byte budget (``bounded.fits_in_page``).
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from jobsched.domain.bounded import Weighed, fits_in_page, wire_json
from jobsched.domain.plain import plain
from jobsched.errors import ValidationError

if TYPE_CHECKING:
    from jobsched.store.database import StoredPage

Parser = Callable[[Any], Any]

MAX_AUDIT_ID = 2**63 - 1
BAD_CURSOR = {"cursor": "is not a cursor this API returned"}


def _plain(value: Any) -> Any:
    """A key's value as the cursor's JSON holds it (times as ISO text, ids as text)."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def encode(kind: str, key: Sequence[Any]) -> str:
    text = json.dumps([kind, *map(_plain, key)], separators=(",", ":"), ensure_ascii=False)
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
        raise ValidationError(BAD_CURSOR) from None


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


TIME_KEY = (time, uuid_value)
"""The page key of newest-first lists (executions, dead letter): (created_at, id)."""

JOB_SORT_KEYS: dict[str, Parser] = {
    "name": text,
    "created_at": time,
    "next_run_time": optional_time,
    "priority": integer,
}
"""How the sort value of a cursor of GET /jobs parses, by sort (either direction)."""


def job_after(cursor: str | None, sort: str) -> list[Any] | None:
    """Where a page of GET /jobs sorted by ``sort`` resumes: (sort value, id)."""
    return decode(cursor, f"jobs:{sort}", (JOB_SORT_KEYS[sort.lstrip("-")], uuid_value))


def encode_audit(key: Sequence[Any]) -> str:
    """The audit log's cursor: the id the next page starts below."""
    return base64.urlsafe_b64encode(f"k:{key[0]}".encode()).decode()


def audit_before(cursor: str | None) -> int | None:
    """The id a page of the audit log starts below; a 400 naming ``cursor`` for
    anything else."""
    if not cursor:
        return None
    try:
        kind, _, value = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        last_id = int(value)
        if kind != "k" or not 1 <= last_id <= MAX_AUDIT_ID:
            raise ValueError
        return last_id
    except ValueError:  # bad base64, text or number, surrogates included
        raise ValidationError(BAD_CURSOR) from None


def cut(page: StoredPage, kind: str | Callable[[Sequence[Any]], str]) -> tuple[Weighed, str | None]:
    """A page's items as the API answers them, cut where their JSON would pass the
    page's byte budget (``bounded.fits_in_page``), and the ``next_cursor`` resuming
    after the last item kept (``kind``: the list's cursor kind, or its own encoder).
    Each item is encoded once: the answer sends the JSON it was weighed by."""
    items = [plain(item) for item in page.items]
    texts = [wire_json(item) for item in items]
    keep = fits_in_page(len(text) for text in texts)
    more = keep < len(page.items) or page.more
    encoder = kind if callable(kind) else (lambda key: encode(kind, key))
    next_cursor = encoder(page.keys[keep - 1]) if more and keep else None
    return Weighed(items[:keep], texts[:keep]), next_cursor


def page(found: StoredPage, kind: str | Callable[[Sequence[Any]], str]) -> dict[str, Any]:
    """A page as the API answers it (``cut``): the items kept, their next cursor, the
    total; the JSON values of ``plain(Page(...))``, in its field order. Its items are
    final once weighed: whatever changes them (redaction, flags, next runs) is done to
    ``found.items`` before."""
    items, next_cursor = cut(found, kind)
    return {"next_cursor": next_cursor, "total": found.total, "items": items}
