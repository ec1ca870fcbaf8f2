"""API keys in PostgreSQL: created, looked up by their hash, listed and revoked. The
writes take the caller's transaction: the use case (``jobsched.key_life``) writes the
change's audit entry in it, like every other change."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import psycopg

from jobsched.domain.models import ApiKey
from jobsched.errors import NotFoundError
from jobsched.store import Store
from jobsched.store.queries import q

Conn = psycopg.Connection[dict[str, Any]]

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

    @staticmethod
    def write_create(
        conn: Conn,
        name: str,
        scope: str,
        rate_limit_per_minute: int | None,
        key_hash: str,
        created_by: str,
        now: datetime,
    ) -> dict[str, Any]:
        """Write a new key (``created_by``: the creating key's id); its row."""
        params = {
            "id": uuid.uuid4(),
            "name": name,
            "scope": scope,
            "key_hash": key_hash,
            "rate_limit_per_minute": rate_limit_per_minute,
            "created_by": created_by,
            "now": now,
        }
        return conn.execute(q("insert_api_key"), params).fetchone()

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

    @staticmethod
    def write_revoke(conn: Conn, key_id: str, now: datetime) -> list[dict[str, Any]]:
        """Revoke a key in force and, with it, every key in force it created (and those
        they created); their rows, the key asked for first. 404 for an unknown or
        revoked one."""
        # The 404 does not repeat the id: someone may have sent a key in its place.
        try:
            kid = uuid.UUID(key_id)
        except ValueError:
            raise NotFoundError(NO_SUCH_KEY) from None
        rows = conn.execute(q("revoke_api_key"), {"id": kid, "now": now}).fetchall()
        if not rows:
            raise NotFoundError(NO_SUCH_KEY)
        return rows
