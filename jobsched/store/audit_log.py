"""The audit log: an entry a use case decided, written in the transaction of the change
it describes (``write``); the log read newest first, as stored."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg

from jobsched.domain.audit_record import AuditRecord
from jobsched.store import audit as audit_log
from jobsched.store.database import DEFAULT_PAGE, Repository, StoredPage, _page
from jobsched.store.queries import q


class AuditLog(Repository):
    @staticmethod
    def write(
        conn: psycopg.Connection[dict[str, Any]], entry: AuditRecord | None, now: datetime
    ) -> None:
        """Write the entry (None: nothing) in the caller's transaction (``audit.record``)."""
        audit_log.record(conn, entry, now)

    def list(
        self, filters: dict[str, Any], limit: int = DEFAULT_PAGE, before_id: int | None = None
    ) -> StoredPage:
        """Audit entries newest first, below the id ``before_id`` (None: from the
        newest). ``filters``: action, target_type, target_id, key_id, since, until (each
        None for no filter). A page key is [id]."""
        # The unfiltered total from its counter; a filter counts through its index.
        count = "count_audit" if any(v is not None for v in filters.values()) else "audit_total"
        with self.tx() as conn:
            conn.execute("SET LOCAL plan_cache_mode = force_custom_plan")  # see _paged
            total = conn.execute(q(count), filters).fetchone()["n"]
            rows = conn.execute(
                q("list_audit"), {**filters, "before_id": before_id, "limit": limit + 1}
            ).fetchall()
        return _page(
            rows,
            limit,
            audit_log.entry_from_row,
            lambda row: [row["id"]],
            total,
        )
