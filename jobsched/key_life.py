"""The use cases that change API keys: create and revoke. Each opens its unit of work,
writes through the store (``jobsched.store.keys``), decides the audit entry from what
was written (jobsched/domain/audit.py) and writes it in the same transaction."""

from __future__ import annotations

from datetime import datetime

from jobsched.domain import audit as changes
from jobsched.domain.audit import Audit
from jobsched.domain.models import ApiKey
from jobsched.store.keys import KeyStore, key_from_row


def create_key(
    keys: KeyStore,
    name: str,
    scope: str,
    rate_limit_per_minute: int | None,
    key_hash: str,
    now: datetime,
    audit: Audit,
) -> ApiKey:
    """A new key created by ``audit.key_id``'s, with its audit entry."""
    store = keys.store
    with store.tx() as conn:
        row = keys.write_create(
            conn, name, scope, rate_limit_per_minute, key_hash, audit.key_id, now
        )
        change = changes.created(row, changes.KEY_FIELDS)
        store.audit.write(conn, changes.entry(audit, "key", row["id"], change), now)
    return key_from_row(row)


def revoke_key(keys: KeyStore, key_id: str, now: datetime, audit: Audit) -> list[ApiKey]:
    """Revoke a key and the keys it created, transitively (``KeyStore.write_revoke``),
    with an audit entry for each; the key asked for first."""
    store = keys.store
    with store.tx() as conn:
        rows = keys.write_revoke(conn, key_id, now)
        for row in rows:
            change = changes.revoked(row["revoked_at"], row["id"], rows[0]["id"])
            store.audit.write(conn, changes.entry(audit, "key", row["id"], change), now)
    return [key_from_row(row) for row in rows]
