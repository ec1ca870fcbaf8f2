"""Reading the audit log newest first (entries are written by ``audit.record`` in the
transaction of the change they describe)."""

from __future__ import annotations

from typing import Any

from jobsched.store import audit as audit_log
from jobsched.store.database import Database, Page, _page, _page_limit
from jobsched.store.queries import q


class AuditLog(Database):
    def list_audit(
        self, filters: dict[str, Any], limit: int | None = None, cursor: str | None = None
    ) -> Page:
        """Audit entries newest first. ``filters``: action, target_type, target_id,
        key_id, since, until (each None for no filter)."""
        limit, before_id = _page_limit(limit), audit_log.decode_cursor(cursor)
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
            lambda row: audit_log.encode_cursor(row["id"]),
            total,
        )
