"""References in a workflow step's payload: ``{"$ref": "steps.<id>.result.<path>"}``,
``{"$ref": "input.<path>"}`` and ``{"$ref": "item"}`` (issue 23).

A reference is a JSON object whose only key is ``$ref``. It is checked when the
definition is saved (``parse``: its form, and by ``jobsched.domain.workflows`` that the
step it names is upstream) and resolved when its step becomes ready (``resolve``): a
path missing from the value it walks fails that step, naming the reference and where
the path broke. A path is dot-separated: an object's key, or a list's index.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

REF = "$ref"
STEPS, INPUT, ITEM = "steps", "input", "item"
FORMS = "steps.<id>.result[.<path>], input[.<path>] or item"
_STEP_REF = re.compile(r"^steps\.([A-Za-z0-9_-]{1,64})\.result(?:\.(.+))?$")


class RefMissing(ValueError):
    """A reference whose path is not in the value it walks (the step fails with it)."""


@dataclass(frozen=True)
class Ref:
    kind: str
    """``steps``, ``input`` or ``item``."""
    step: str | None
    path: tuple[str, ...]
    text: str


def is_ref(value: Any) -> bool:
    return isinstance(value, dict) and REF in value


def parse(value: Any) -> Ref:
    """The reference a ``{"$ref": ...}`` object holds; ValueError naming its problem."""
    if not isinstance(value, dict) or set(value) != {REF}:
        raise ValueError(f'must be a reference: an object with only "{REF}"')
    text = value[REF]
    if not isinstance(text, str):
        raise ValueError(f"{REF} must be a string: {FORMS}")
    path = _path(text)
    if text == ITEM:
        return Ref(ITEM, None, (), text)
    if text == INPUT or text.startswith(INPUT + "."):
        return Ref(INPUT, None, path[1:], text)
    match = _STEP_REF.match(text)
    if match and all(path):
        rest = tuple(match.group(2).split(".")) if match.group(2) else ()
        return Ref(STEPS, match.group(1), rest, text)
    raise ValueError(f"unknown reference {text!r}: must be {FORMS}")


def _path(text: str) -> tuple[str, ...]:
    parts = tuple(text.split("."))
    if not all(parts):
        raise ValueError(f"reference {text!r} has an empty path segment")
    return parts


def refs_in(value: Any, where: str) -> Iterator[tuple[str, Any]]:
    """Each ``{"$ref": ...}`` object in a payload with the field path it sits at
    (``payload.headers.auth``, ``payload.ids[2]``); unparsed."""
    if is_ref(value):
        yield where, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from refs_in(v, f"{where}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from refs_in(v, f"{where}[{i}]")


def walk(value: Any, path: tuple[str, ...], text: str) -> Any:
    """``value`` at ``path``; RefMissing naming the segment that is not there."""
    for i, key in enumerate(path):
        at = ".".join(path[: i + 1])
        if isinstance(value, Mapping):
            if key not in value:
                raise RefMissing(f"{text}: no {at!r} in the value referenced")
            value = value[key]
        elif isinstance(value, list):
            if not key.isdigit() or int(key) >= len(value):
                raise RefMissing(f"{text}: no index {at!r} in a list of {len(value)}")
            value = value[int(key)]
        else:
            raise RefMissing(f"{text}: {at!r} is inside a value that is not an object or list")
    return value


@dataclass(frozen=True)
class Scope:
    """What references resolve against when a step becomes ready."""

    results: Mapping[str, Any]
    """Each upstream step that SUCCEEDED: its result (a fan-out's: the list, in item order)."""
    input: Any
    item: Any = None
    has_item: bool = False


def resolve(value: Any, scope: Scope) -> Any:
    """``value`` with each reference replaced by what it names; RefMissing for the
    first that names nothing."""
    if is_ref(value):
        ref = parse(value)
        if ref.kind == ITEM:
            if not scope.has_item:
                raise RefMissing("item: only a for_each step has an item")
            return scope.item
        if ref.kind == INPUT:
            return walk(scope.input, ref.path, ref.text)
        if ref.step not in scope.results:
            raise RefMissing(f"{ref.text}: step {ref.step!r} has no result (it did not succeed)")
        return walk(scope.results[ref.step], ref.path, ref.text)
    if isinstance(value, dict):
        return {k: resolve(v, scope) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, scope) for v in value]
    return value
