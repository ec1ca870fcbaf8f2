"""Plain SQL migrations, applied in file-name order under an advisory lock.

Each file in ``sql/migrations`` runs once, in its own transaction, and is
recorded in ``schema_migrations``. The advisory lock lets any number of
processes call ``migrate`` at start-up: one applies, the others wait and see
nothing left to do.
"""

from __future__ import annotations

from importlib import resources

import psycopg

from jobsched.errors import DependencyError

# Any constant unique to this project; pg_advisory_lock takes a bigint.
ADVISORY_LOCK_ID = 0x6A6F6273636864  # "jobschd"


def migration_files() -> list[tuple[str, str]]:
    folder = resources.files("jobsched.store") / "sql" / "migrations"
    files = sorted(p for p in folder.iterdir() if p.name.endswith(".sql"))
    return [(p.name, p.read_text()) for p in files]


def migrate(database_url: str) -> list[str]:
    """Apply pending migrations; returns the names applied by this call."""
    try:
        return _migrate(database_url)
    except psycopg.OperationalError as exc:
        raise DependencyError("PostgreSQL unavailable", detail=str(exc)) from exc


def _migrate(database_url: str) -> list[str]:
    applied: list[str] = []
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (ADVISORY_LOCK_ID,))
        try:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
            )
            done = {row[0] for row in conn.execute("SELECT name FROM schema_migrations")}
            for name, sql in migration_files():
                if name in done:
                    continue
                with conn.transaction():
                    conn.execute(sql)
                    conn.execute("INSERT INTO schema_migrations (name) VALUES (%s)", (name,))
                applied.append(name)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (ADVISORY_LOCK_ID,))
    return applied
