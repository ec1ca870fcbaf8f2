"""The dead-letter queue: list, get, delete."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg

from jobsched.domain.models import DeadLetter
from jobsched.store.database import (
    DEFAULT_PAGE,
    Repository,
    StoredPage,
    _found,
    _time_key,
    parse_uuid,
)
from jobsched.store.queries import q
from jobsched.store.rows import dead_letter_from_row


class DeadLetters(Repository):
    def list(self, limit: int = DEFAULT_PAGE, after: list[Any] | None = None) -> StoredPage:
        """Newest first, after the position ``after`` ((created_at, id))."""
        after = after or [None, None]
        return self._paged(
            q("dead_letter_count"),
            q("list_dead_letter"),
            {"after_at": after[0], "after_id": after[1]},
            limit,
            _time_key,
            dead_letter_from_row,
        )

    def get(self, entry_id: str) -> DeadLetter:
        did = parse_uuid(entry_id, "dead-letter entry")
        with self.tx() as conn:
            row = _found(
                conn.execute(q("get_dead_letter"), {"id": did}).fetchone(),
                "dead-letter entry",
                entry_id,
            )
        return dead_letter_from_row(row)

    @staticmethod
    def write_delete(
        conn: psycopg.Connection[dict[str, Any]], entry_id: uuid.UUID
    ) -> dict[str, Any]:
        """Delete an entry; its row as it was (404 when there is none)."""
        row = conn.execute(q("delete_dead_letter"), {"id": entry_id}).fetchone()
        return _found(row, "dead-letter entry", "")
