"""Migration 0014: keys in force that a key revoked before this release created (and
their descendants) are revoked, at their revoked ancestor's time; other keys stay."""

from __future__ import annotations

from datetime import timedelta

from jobsched.domain.audit import Audit
from jobsched.key_life import create_key
from jobsched.store.keys import KeyStore
from jobsched.store.migrations import migration_files
from tests.integration.engine import Engine

MIGRATION = dict(migration_files())["0014_scopes_and_audit_retention.sql"]
REPAIR = MIGRATION[MIGRATION.index("WITH RECURSIVE orphaned") :]


def test_keys_created_by_a_key_revoked_earlier_are_revoked(engine: Engine) -> None:
    keys = KeyStore(engine.store)
    now = engine.clock.now()

    def make(name: str, creator: str) -> str:
        return create_key(keys, name, "admin", None, name, now, Audit(creator, "key_create")).id

    root = make("root", "env-0123456789ab")
    child = make("child", root)
    grandchild = make("grandchild", child)
    other = make("other", "env-0123456789ab")
    revoked_at = now + timedelta(hours=1)
    with engine.store.tx() as conn:  # as an older release revoked it: alone
        conn.execute("UPDATE api_keys SET revoked_at = %s WHERE id = %s", (revoked_at, root))
        conn.execute(REPAIR)
        rows = conn.execute("SELECT id::text, revoked_at FROM api_keys").fetchall()
    state = {r["id"]: r["revoked_at"] for r in rows}
    assert state[child] == state[grandchild] == revoked_at
    assert state[other] is None
