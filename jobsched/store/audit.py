"""The audit log in PostgreSQL: writing an entry inside the caller's transaction, and
reading the log newest first with keyset paging."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from jobsched.domain.audit import Audit, shown
from jobsched.domain.models import AuditEntry
from jobsched.errors import ValidationError
from jobsched.store.queries import q

MAX_ID = 2**63 - 1


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


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"k:{last_id}".encode()).decode()


def decode_cursor(cursor: str | None) -> int | None:
    """The id the next page starts below; a 400 naming ``cursor`` for anything else."""
    if not cursor:
        return None
    try:
        kind, _, value = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        last_id = int(value)
        if kind != "k" or not 1 <= last_id <= MAX_ID:
            raise ValueError
        return last_id
    except ValueError:  # bad base64, text or number, surrogates included
        raise ValidationError({"cursor": "is not a cursor this API returned"}) from None
