"""The handler catalog: what workers serve."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from psycopg.types.json import Jsonb

from jobsched.store.database import Repository
from jobsched.store.queries import q


class PublishedHandlers(Repository):
    def publish(self, handlers: Sequence[dict[str, Any]], now: datetime) -> None:
        """Record what a worker serves (``Handler.describe()``), replacing older entries
        of the same names."""
        rows = [
            {
                **h,
                "schema": Jsonb(h["schema"]) if h["schema"] is not None else None,
                "overridable": list(h.get("overridable") or ()),
                "flow": Jsonb(h["flow"]) if h.get("flow") else None,
                "now": now,
            }
            for h in handlers
        ]
        if rows:
            with self.tx() as conn, conn.cursor() as cur:
                cur.executemany(q("upsert_handler"), rows)

    def catalog_entry(self, name: str) -> dict[str, Any] | None:
        with self.tx() as conn:
            return conn.execute(q("get_handler"), {"name": name}).fetchone()

    def catalog(self) -> list[dict[str, Any]]:
        with self.tx() as conn:
            return conn.execute(q("list_handlers")).fetchall()
