"""Small checks shared by the built-in handlers' ``validate`` functions.

Every problem is reported as ``{"payload.<field>": "<what is wrong>"}`` so the API can
name the bad field. ``require_valid`` turns the same problems into an exception, because
``run`` re-checks its payload: the job may have been stored before a rule (or the
allow-lists in the settings) changed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any


class InvalidPayload(ValueError):
    """A payload that its handler cannot run; the message names every bad field."""

    def __init__(self, problems: Mapping[str, str]) -> None:
        self.problems = dict(problems)
        listed = "; ".join(f"{name}: {problem}" for name, problem in sorted(self.problems.items()))
        super().__init__(f"invalid payload: {listed}")


def require_valid(problems: Mapping[str, str]) -> None:
    if problems:
        raise InvalidPayload(problems)


def check_object(payload: Any, known: Iterable[str]) -> dict[str, str]:
    """Problems with the payload's shape: not an object, or fields nobody reads.

    Unknown fields are refused so that a typo (``timout``) is caught at creation
    instead of silently falling back to a default.
    """
    if not isinstance(payload, dict):
        return {"payload": "must be a JSON object"}
    known = tuple(known)
    return {
        f"payload.{key}": "unknown field; known: " + ", ".join(known)
        for key in payload
        if key not in known
    }


def is_number(value: Any) -> bool:
    """A finite JSON number. ``bool`` is excluded: ``True`` is an ``int`` to Python."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return math.isfinite(value)


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def string_map_problem(value: Any) -> str | None:
    """Why ``value`` is not an object of strings to strings, or None."""
    if not isinstance(value, dict):
        return "must be an object of strings"
    for key, item in value.items():
        if not isinstance(key, str) or not isinstance(item, str):
            return f"{key!r} must map to a string"
    return None
