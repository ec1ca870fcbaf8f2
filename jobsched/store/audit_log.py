"""Reading the audit log newest first (entries are written by ``audit.record`` in the
transaction of the change they describe)."""

from __future__ import annotations

from typing import Any

from jobsched.store import audit as audit_log
from jobsched.store.database import DEFAULT_PAGE, Repository, StoredPage, _page
from jobsched.store.queries import q


class AuditLog(Repository):
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
