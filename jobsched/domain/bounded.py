"""Bounds on what a user may send: JSON documents and text fields.

Whatever a user sends is stored in PostgreSQL and later serialised for every caller
of a list, so one document that PostgreSQL refuses (NUL, an unpaired surrogate,
NaN), or that Python cannot serialise again (nested hundreds of levels), must be
refused on the way in, naming its field. These checks are written once, here, and
attached to the contract's field types (``jobsched/domain/contract.py``): job payloads
(webhook bodies and headers included), trigger overrides and batch runs go through
``json_problem``; names, descriptions and query parameters through ``text_problem``.

The walk is iterative: a document nested deeper than Python's recursion limit is
reported, not crashed on.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from typing import Any

MAX_JSON_DEPTH = 32
"""Levels of objects and arrays in one user document (``{"a": {}}`` is 2)."""
MAX_JSON_BYTES = 64 * 1024
"""Bytes of one user document as the API sends it back (``wire_json``): escaped to
ASCII, so an emoji counts 12 bytes (``\\ud83d\\ude00``), not its 4 of UTF-8."""
MAX_PAGE_BYTES = 1024 * 1024
"""The most a list page's JSON weighs: a page stops early (with ``next_cursor``) when
its next item would take it past this, and always holds at least one item. Well
under Lambda's 6 MB response limit, even once API Gateway's event escapes the body
again (at most twice its size)."""
PAGE_ENVELOPE_BYTES = 128 * 1024
"""What a page's budget keeps for what is sent around its items: the envelope
(``next_cursor``, ``total``) and, for a job's latest executions
(``GET /jobs/{id}?include=executions``), the job itself. Items are weighed as sent:
their ``waiting``, a job's ``upcoming_runs`` and redactions are filled in before."""


class Weighed(list):
    """A page's items (JSON values) with the JSON text of each, as ``wire_json`` wrote
    it to weigh the page (``jobsched.api.cursors.cut``): an answer holding them under
    ``items`` sends those texts rather than encoding every item a second time. Used as
    a list it is its items; they must not change once weighed."""

    __slots__ = ("texts",)

    def __init__(self, items: list[Any], texts: list[str]) -> None:
        super().__init__(items)
        self.texts = texts


def wire_json(value: Any) -> str:
    """``value`` as the API sends it: compact, escaped to ASCII (so its length is its
    size in bytes). Every answer is written by this, and every size bound is measured
    on it, so what is counted is what is sent. A page whose ``items`` are ``Weighed``
    is written around their texts: the same JSON, each item encoded once."""
    if isinstance(value, dict) and isinstance(value.get("items"), Weighed):
        pairs = (f"{json.dumps(key)}:{_weighed_json(item)}" for key, item in value.items())
        return "{" + ",".join(pairs) + "}"
    return json.dumps(value, separators=(",", ":"))


def _weighed_json(value: Any) -> str:
    if isinstance(value, Weighed):
        return "[" + ",".join(value.texts) + "]"
    return json.dumps(value, separators=(",", ":"))


PAGE_BUDGET_BYTES = MAX_PAGE_BYTES - PAGE_ENVELOPE_BYTES
"""What a page's items may weigh together (as sent, with their commas)."""


def fits_in_page(sizes: Iterable[int], budget: int = PAGE_BUDGET_BYTES) -> int:
    """How many of the items of ``sizes`` (in order) a page holds: as many as fit in
    ``budget`` together, and at least one, so paging always moves on."""
    used = count = 0
    for size in sizes:
        used += size + 1  # its comma
        if count and used > budget:
            break
        count += 1
    return count


def text_problem(value: str, max_chars: int | None = None) -> str | None:
    """Why PostgreSQL could not store ``value`` as text (or it is too long), or None."""
    if max_chars is not None and len(value) > max_chars:
        return f"must be at most {max_chars} characters"
    if "\x00" in value:
        return "must not contain NUL characters"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "must not contain unpaired surrogates (not valid Unicode)"
    return None


def json_problem(
    value: Any, max_depth: int = MAX_JSON_DEPTH, max_bytes: int | None = MAX_JSON_BYTES
) -> str | None:
    """Why ``value`` is not a JSON document we accept, or None.

    Refused: nesting deeper than ``max_depth``, strings or keys PostgreSQL cannot
    store, numbers JSON cannot carry (NaN, infinities), anything that is not JSON
    at all, and more than ``max_bytes`` once serialised.
    """
    stack: list[tuple[Any, int, str]] = [(value, 1, "")]
    while stack:
        item, depth, where = stack.pop()
        at = f" (at {where})" if where else ""
        if isinstance(item, dict | list):
            if depth > max_depth:
                return f"must be nested at most {max_depth} levels deep{at}"
            pairs = item.items() if isinstance(item, dict) else enumerate(item)
            for key, child in pairs:
                if isinstance(key, str):
                    if problem := text_problem(key):
                        return f"{problem} (in a key{' at ' + where if where else ''})"
                    path = f"{where}.{key}" if where else key
                else:
                    path = f"{where}[{key}]"
                stack.append((child, depth + 1, path))
        elif isinstance(item, str):
            if problem := text_problem(item):
                return f"{problem}{at}"
        elif isinstance(item, float):
            if not math.isfinite(item):
                return f"must not contain NaN or Infinity{at}"
        elif item is not None and not isinstance(item, bool | int):
            return f"must contain only JSON values{at}"
    if max_bytes is not None and len(wire_json(value)) > max_bytes:
        return f"must be at most {max_bytes} bytes of JSON"
    return None
