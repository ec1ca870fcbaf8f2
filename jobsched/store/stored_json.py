"""Reading JSON columns so that one bad row cannot break a list for everyone.

Input is bounded (``jobsched.domain.bounded``), but rows written before those bounds,
or by other writers, may hold a document nested so deep that Python cannot parse it
(``RecursionError``) or serialise it again for the response. Such a value is read as
a small marker object instead, which every list and detail view can render, so the
row stays visible (and can be deleted or edited) and the rest of the page is intact:

    {"$unreadable": "stored JSON is nested deeper than 100 levels; not shown"}
"""

from __future__ import annotations

import json
import logging
from typing import Any

import psycopg
from psycopg.types.json import set_json_loads

log = logging.getLogger("jobsched.store")

MAX_STORED_DEPTH = 100
"""Deeper than this, serialising for a response risks the interpreter's recursion limit."""
UNREADABLE = "$unreadable"
_SHORT = 2 * (MAX_STORED_DEPTH + 1)
"""Shorter documents than this cannot nest deeper than the limit: each level takes an
opening and a closing bracket. They skip the depth walk (most stored JSON is short:
``[]``, ``{}``, a small payload, an attempt history)."""
_decode = json.JSONDecoder().decode


def _deeper_than(value: Any, limit: int) -> bool:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        children = item.values() if isinstance(item, dict) else item
        stack.extend((c, depth + 1) for c in children if isinstance(c, dict | list))
    return False


def _unreadable(reason: str) -> dict[str, str]:
    log.warning("a stored JSON value is shown as a marker: %s", reason)
    return {UNREADABLE: f"stored JSON {reason}; not shown"}


def load_stored_json(data: bytes | bytearray | str) -> Any:
    """``json.loads`` for json/jsonb columns; an unrenderable value becomes the marker."""
    # PostgreSQL sends UTF-8: decoding it here spares json.loads' encoding detection.
    text = data.decode() if isinstance(data, bytes | bytearray) else data
    # The commonest documents by far (an empty payload, history or alert list).
    if text == "[]":
        return []
    if text == "{}":
        return {}
    try:
        value = _decode(text)
    except RecursionError:
        return _unreadable("is nested too deeply to parse")
    if len(text) < _SHORT:
        return value
    if isinstance(value, dict | list) and _deeper_than(value, MAX_STORED_DEPTH):
        return _unreadable(f"is nested deeper than {MAX_STORED_DEPTH} levels")
    return value


def configure(conn: psycopg.Connection[Any]) -> None:
    """Pool hook: every connection reads json/jsonb through ``load_stored_json``."""
    set_json_loads(load_stored_json, conn)
