"""The audit log in PostgreSQL: writing an entry inside the caller's transaction, and
an entry from its row."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from jobsched.domain.audit import Audit, shown
from jobsched.domain.models import AuditEntry
from jobsched.store.queries import q


def record(
    conn: psycopg.Connection[dict[str, Any]],
    audit: Audit | None,
    target_type: str,
    target_id: Any,
    changes: dict[str, Any],
    now: datetime,
) -> None:
    """Write one entry in ``conn``'s transaction, so it commits or rolls back with the
    change it describes. Nothing to write without a caller or without a change."""
    if audit is None or not changes:
        return
    conn.execute(
        q("insert_audit"),
        {
            "now": now,
            "key_id": audit.key_id,
            "action": audit.action,
            "target_type": target_type,
            "target_id": str(target_id),
            "changes": Jsonb(changes),
        },
    )


def entry_from_row(row: dict[str, Any]) -> AuditEntry:
    """An entry as the API lists it (its changes redacted: ``audit.shown``)."""
    return AuditEntry(
        id=str(row["id"]),
        at=row["at"],
        key_id=row["key_id"],
        action=row["action"],
        target_type=row["target_type"],
        target_id=row["target_id"],
        changes=shown(row["changes"]),
    )
