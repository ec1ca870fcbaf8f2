"""The handler catalog: what the API knows of handlers without importing them.

Workers publish the handlers they loaded (name, description, payload JSON Schema,
pool, isolation) to PostgreSQL when they start, and their pools and handler names
with every heartbeat to Redis. The API validates a job against the built-ins (which
it loads itself, with their own checks) and the published entries (their schema),
so a user's module is only ever imported by the workers that run it.

Who serves a handler is read from the live workers: a job whose handler no live
worker serves on its pool is not refused (its worker may not have started yet) but
flagged, and its runs wait in the queue until one starts.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from jobsched.registry import (
    Handler,
    HandlerContext,
    HandlerLookup,
    HandlerRegistry,
    schema_validator,
)
from jobsched.store import Store

log = logging.getLogger("jobsched.catalog")


def _not_here(payload: dict[str, Any], ctx: HandlerContext) -> Any:
    raise RuntimeError("catalog entries are run by the workers that published them")


def _entry(row: dict[str, Any]) -> Handler:
    name = row["name"]
    try:
        validate = schema_validator(name, row["schema"])
    except ValueError:
        # A schema a newer jsonschema refuses: accept payloads rather than every job.
        log.warning("catalog schema of %r is not a valid JSON Schema; not checked", name)
        validate = schema_validator(name, None)
    return Handler(
        name,
        _not_here,
        validate,
        row["description"],
        row["schema"],
        row["pool"],
        row["isolation"],
        # Published by a worker older than the column: none (the database's default).
        tuple(row.get("overridable") or ()),
    )


class Catalog:
    """Built-ins first (their checks are richer than a schema), then published entries."""

    def __init__(self, builtins: HandlerRegistry, store: Store) -> None:
        self.builtins = builtins
        self.store = store

    def get(self, name: str) -> Handler | None:
        handler = self.builtins.get(name)
        if handler is not None:
            return handler
        row = self.store.handlers.catalog_entry(name)
        return _entry(row) if row is not None else None

    def names(self) -> list[str]:
        return sorted(
            set(self.builtins.names()) | {r["name"] for r in self.store.handlers.catalog()}
        )

    def handlers(self) -> list[Handler]:
        published = {r["name"]: _entry(r) for r in self.store.handlers.catalog()}
        merged = {**published, **{h.name: h for h in self.builtins.handlers()}}
        return [merged[name] for name in sorted(merged)]


def handler_for(
    lookup: HandlerLookup, name: str, published: dict[str, Any] | None
) -> Handler | None:
    """``lookup.get(name)``, given the catalog entry already read (None: there is none):
    a trigger reads it with its job, in one query, instead of a second transaction."""
    if isinstance(lookup, Catalog):
        return lookup.builtins.get(name) or (_entry(published) if published else None)
    return lookup.get(name)


def serving(workers: Sequence[dict[str, Any]], handler: str, pool: str) -> list[str]:
    """Ids of the live workers that serve ``handler`` on ``pool``."""
    return [
        w["id"]
        for w in workers
        if not w["stale"] and pool in w["pools"] and handler in w["handlers"]
    ]


def waiting_reason(workers: Sequence[dict[str, Any]], handler: str, pool: str) -> str | None:
    """Why runs of ``handler`` on ``pool`` wait (None: a live worker serves them)."""
    if serving(workers, handler, pool):
        return None
    return f"no live worker serves handler {handler!r} on pool {pool!r}"
