"""API keys in PostgreSQL: created, looked up by their hash, listed and revoked. Each
change is audited in its own transaction, like every other change."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from jobsched.domain import audit as changes
from jobsched.domain.audit import Audit
from jobsched.domain.models import ApiKey
from jobsched.errors import NotFoundError
from jobsched.store import Store
from jobsched.store import audit as audit_log
from jobsched.store.queries import q

NO_SUCH_KEY = "no key in force has this id"


def key_from_row(row: dict[str, Any]) -> ApiKey:
    return ApiKey(
        id=str(row["id"]),
        name=row["name"],
        scope=row["scope"],
        rate_limit_per_minute=row["rate_limit_per_minute"],
        created_at=row["created_at"],
        created_by=row["created_by"],
        last_used_at=row["last_used_at"],
    )


class KeyStore:
    def __init__(self, store: Store) -> None:
        self.store = store

    def create(
        self,
        name: str,
        scope: str,
        rate_limit_per_minute: int | None,
        key_hash: str,
        now: datetime,
        audit: Audit,
    ) -> ApiKey:
        params = {
            "id": uuid.uuid4(),
            "name": name,
            "scope": scope,
            "key_hash": key_hash,
            "rate_limit_per_minute": rate_limit_per_minute,
            "created_by": audit.key_id,
            "now": now,
        }
        with self.store.tx() as conn:
            row = conn.execute(q("insert_api_key"), params).fetchone()
            change = changes.created(row, changes.KEY_FIELDS)
            audit_log.record(conn, audit, "key", row["id"], change, now)
        return key_from_row(row)

    def find(self, key_hash: str) -> ApiKey | None:
        """The key in force whose hash this is, or None (unknown or revoked)."""
        with self.store.tx() as conn:
            row = conn.execute(q("active_api_key_by_hash"), {"key_hash": key_hash}).fetchone()
        return None if row is None else key_from_row(row)

    def touch(self, key_id: str, now: datetime) -> None:
        """Note that the key was used (to the minute)."""
        with self.store.tx() as conn:
            conn.execute(q("touch_api_key"), {"id": uuid.UUID(key_id), "now": now})

    def list(self) -> list[ApiKey]:
        """The keys in force, oldest first."""
        with self.store.tx() as conn:
            return [key_from_row(r) for r in conn.execute(q("list_api_keys"))]

    def revoke(self, key_id: str, now: datetime, audit: Audit) -> list[ApiKey]:
        """Revoke a key in force and, with it, every key in force it created (and those
        they created); the key asked for first. 404 for an unknown or revoked one."""
        # The 404 does not repeat the id: someone may have sent a key in its place.
        try:
            kid = uuid.UUID(key_id)
        except ValueError:
            raise NotFoundError(NO_SUCH_KEY) from None
        with self.store.tx() as conn:
            rows = conn.execute(q("revoke_api_key"), {"id": kid, "now": now}).fetchall()
            if not rows:
                raise NotFoundError(NO_SUCH_KEY)
            for row in rows:
                change: dict[str, Any] = {
                    "revoked_at": {"before": None, "after": row["revoked_at"].isoformat()}
                }
                if row["id"] != kid:  # revoked with the key that created it
                    change["revoked_with"] = {"after": str(kid)}
                audit_log.record(conn, audit, "key", row["id"], change, now)
        return [key_from_row(row) for row in rows]
