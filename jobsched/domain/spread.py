"""Stable spread of a scheduled job's runs (issue 24): an occurrence fans out to one run
per key, each starting at the occurrence plus an offset within ``window_ms`` that a
stable hash of its key gives, so the same key starts at the same offset of every
occurrence (every day, for a daily job) and the keys' starts are spread apart instead
of all landing at the occurrence's time.

A job's ``spread`` is ``{"keys": [text, ...] | {"$ref": "payload.<path>"}, "window_ms":
N, "field"?: name}``: the keys listed, or the list at that path of the job's payload.
Each run's payload is the job's with its key at ``field`` (default ``spread_key``), and
the run carries the key (``spread_key``) as its identity within the occurrence.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from jobsched.domain import flow

DEFAULT_FIELD = "spread_key"
MAX_KEYS = 1000
"""Runs one occurrence fans out to: each its own execution row."""


def offset_ms(key: str, window_ms: int) -> int:
    """The key's offset in ``[0, window_ms)``: the first 8 bytes of its SHA-256 modulo
    the window (stable across processes and releases, unlike ``hash``)."""
    if window_ms <= 0:
        return 0
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % window_ms


def keys_of(spread: Mapping[str, Any], payload: Mapping[str, Any]) -> list[str]:
    """The spread's keys, in order, duplicates dropped: its list, or the list its
    ``$ref`` names in ``payload``. Raises ``flow.KeyMissing`` naming the path (or
    ``spread.keys``) when that gives no list of keys."""
    spec = spread["keys"]
    where = "spread.keys"
    if isinstance(spec, Mapping):
        where = spec["$ref"]
        value: Any = payload
        for part in where.split(".")[1:]:
            if isinstance(value, Mapping) and part in value:
                value = value[part]
            else:
                raise flow.KeyMissing(where, "is required: the spread's keys refer to it")
    else:
        value = spec
    if not isinstance(value, list) or not value or len(value) > MAX_KEYS:
        raise flow.KeyMissing(where, f"must be a list of 1 to {MAX_KEYS} keys: the spread's keys")
    keys: list[str] = []
    for i in range(len(value)):
        try:
            keys.append(flow.resolve_key({"$ref": f"payload.{i}"}, value))
        except flow.KeyMissing:
            raise flow.KeyMissing(
                f"{where}[{i}]",
                "must be text, a number or a boolean (one line, no NUL or unpaired surrogates)",
            ) from None
    return list(dict.fromkeys(keys))


@dataclass(frozen=True)
class SpreadRun:
    """One key's run of an occurrence: its key, payload and earliest start."""

    key: str
    payload: dict[str, Any]
    start_after: datetime


def runs(
    spread: Mapping[str, Any], payload: Mapping[str, Any], occurrence: datetime
) -> list[SpreadRun]:
    """The occurrence's runs, one per key, each at the occurrence plus its key's offset.
    Raises ``flow.KeyMissing``."""
    field = spread.get("field") or DEFAULT_FIELD
    window = int(spread["window_ms"])
    return [
        SpreadRun(
            key,
            {**payload, field: key},
            occurrence + timedelta(milliseconds=offset_ms(key, window)),
        )
        for key in keys_of(spread, payload)
    ]
