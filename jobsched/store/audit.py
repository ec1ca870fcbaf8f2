"""The audit log in PostgreSQL: writing an entry a use case decided
(``jobsched.domain.audit.entry``) inside the caller's transaction, and an entry from its
row, as stored (the API's redaction, ``audit.shown``, is applied where the log is read
for the API)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from jobsched.domain.audit_record import AuditRecord
from jobsched.domain.models import AuditEntry
from jobsched.store.queries import q


def record(
    conn: psycopg.Connection[dict[str, Any]], entry: AuditRecord | None, now: datetime
) -> None:
    """Write ``entry`` in ``conn``'s transaction, so it commits or rolls back with the
    change it describes; None (the use case decided there is nothing to log) writes
    nothing."""
    if entry is None:
        return
    conn.execute(
        q("insert_audit"),
        {
            "now": now,
            "key_id": entry.key_id,
            "action": entry.action,
            "target_type": entry.target_type,
            "target_id": entry.target_id,
            "changes": Jsonb(entry.changes),
        },
    )


def entry_from_row(row: dict[str, Any]) -> AuditEntry:
    """An entry as stored (its changes as written)."""
    return AuditEntry(
        id=str(row["id"]),
        at=row["at"],
        key_id=row["key_id"],
        action=row["action"],
        target_type=row["target_type"],
        target_id=row["target_id"],
        changes=row["changes"],
    )
