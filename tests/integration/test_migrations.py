"""Migrations: applied once, in order, under an advisory lock, however many processes
start at the same moment."""

from __future__ import annotations

import secrets
import threading

import psycopg

from jobsched.store.migrations import migrate, migration_files


def test_concurrent_migrations_apply_each_file_exactly_once(services: dict[str, str]) -> None:
    admin = services["postgres_admin"]
    name = f"jobsched_migr_{secrets.token_hex(4)}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = admin.rsplit("/", 1)[0] + "/" + name
    try:
        results: list[list[str]] = []
        barrier = threading.Barrier(4)

        def run() -> None:
            barrier.wait()
            results.append(migrate(url))

        threads = [threading.Thread(target=run) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        names = [n for n, _ in migration_files()]
        applied = sorted(n for r in results for n in r)
        assert applied == sorted(names)  # each file by exactly one of the four
        assert migrate(url) == []  # and nothing left to do afterwards
        with psycopg.connect(url) as conn:
            recorded = [r[0] for r in conn.execute("SELECT name FROM schema_migrations")]
            tables = {
                r[0]
                for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            }
        assert sorted(recorded) == sorted(names)
        assert {"jobs", "executions", "dead_letter", "schema_migrations"} <= tables
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_migration_files_are_numbered_in_order() -> None:
    names = [n for n, _ in migration_files()]
    numbers = [int(n.split("_", 1)[0]) for n in names]
    assert numbers == list(range(1, len(names) + 1))
