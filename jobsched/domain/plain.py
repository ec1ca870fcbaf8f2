"""A model as the JSON values the API sends: the one way every answer is written.

``msgspec.structs.asdict`` gives a model's fields (its JSON values shared, not copied:
an answer of 500 runs does not copy 500 payloads); times become ISO 8601 text as
``datetime.isoformat`` writes it ("+00:00", the API's format since its first day, where
msgspec would write "Z"); nested models are made plain the same way; a field left
``UNSET`` is left out. Generic: it knows no model by name.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

import msgspec
from msgspec import UNSET, Struct
from msgspec.structs import asdict

_last_iso: tuple[datetime | None, str] = (None, "")


def iso(when: datetime | None) -> str | None:
    """``when`` as ISO 8601 text. The last one is remembered by identity: the runs of
    one trigger, or one record batch, share the same few datetime objects, so most
    calls skip the formatting (identity, not equality: two equal instants in different
    zones print differently; the memo holds its object, so the id is never reused)."""
    global _last_iso
    if not when:
        return None
    last = _last_iso
    if last[0] is when:
        return last[1]
    text = when.isoformat()
    _last_iso = (when, text)
    return text


def _holds(info: msgspec.inspect.Type, kind: type) -> bool:
    """Whether a field of type ``info`` may hold a value of ``kind`` (msgspec's type)."""
    while isinstance(info, msgspec.inspect.Metadata):
        info = info.type
    if isinstance(info, msgspec.inspect.UnionType):
        return any(_holds(t, kind) for t in info.types)
    return isinstance(info, kind)


@cache
def _layout(cls: type[Struct]) -> tuple[tuple[str, ...], tuple[str, ...], bool]:
    """A model's time fields, the fields that may hold models (or lists of them), and
    whether any field may be left UNSET."""
    info = msgspec.inspect.type_info(cls)
    assert isinstance(info, msgspec.inspect.StructType)
    ins = msgspec.inspect
    times = tuple(f.name for f in info.fields if _holds(f.type, ins.DateTimeType))
    nested = tuple(
        f.name
        for f in info.fields
        if _holds(f.type, ins.StructType) or _holds(f.type, ins.ListType)
    )
    unset = any(f.default is UNSET for f in msgspec.structs.fields(cls))
    return times, nested, unset


def plain(value: Any) -> Any:
    """``value`` (a model, a list of models, or JSON values) as the JSON values sent."""
    if isinstance(value, Struct):
        times, nested, unset = _layout(type(value))
        data = asdict(value)
        for name in times:
            data[name] = iso(data[name])
        for name in nested:
            inner = data[name]
            if inner.__class__ is list:
                if inner and isinstance(inner[0], Struct):
                    data[name] = [plain(item) for item in inner]
            elif isinstance(inner, Struct):
                data[name] = plain(inner)
        if unset:
            return {k: v for k, v in data.items() if v is not UNSET}
        return data
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value
