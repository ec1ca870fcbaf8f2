"""The store's connection pool on a hot path: a connection given back is at once
available to the next call on the same thread, and one that just worked is not checked
again on checkout (jobsched/store/database.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from psycopg_pool import ConnectionPool

from jobsched.errors import ConflictError
from jobsched.store import database
from jobsched.store.database import Database


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    d = Database(database_url, min_size=1, max_size=1)
    d.pool.wait()
    yield d
    d.close()


def test_calls_one_after_another_never_wait_for_the_connection_they_gave_back(
    db: Database,
) -> None:
    # A pool that returns connections through its worker thread (psycopg_pool does
    # when given a reset hook) made each of these wait for that thread: 399 of 400.
    for _ in range(100):
        with db.tx() as conn:
            conn.execute("SELECT 1")
        with db.statement() as conn:
            conn.execute("SELECT 1")
    stats = db.pool.get_stats()
    assert stats["requests_num"] == 200
    assert stats.get("requests_queued", 0) == 0


def _checks(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    seen: list[object] = []
    original = ConnectionPool.check_connection

    def counted(conn: object) -> None:
        seen.append(conn)
        original(conn)  # type: ignore[arg-type]

    monkeypatch.setattr(ConnectionPool, "check_connection", staticmethod(counted))
    return seen


def test_a_connection_that_just_worked_is_not_checked_again(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    with db.tx() as conn:
        conn.execute("SELECT 1")
    checks = _checks(monkeypatch)
    for _ in range(5):
        with db.statement() as conn:
            conn.execute("SELECT 1")
    assert checks == []


def test_a_connection_given_back_after_a_refused_call_counts_as_just_worked(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ConflictError), db.tx() as conn:
        conn.execute("SELECT 1")
        raise ConflictError("refused")  # rolled back; the connection is fine
    checks = _checks(monkeypatch)
    with db.tx() as conn:
        conn.execute("SELECT 1")
    assert checks == []


def test_a_connection_idle_past_the_recent_window_is_checked_on_checkout(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    with db.tx() as conn:
        conn.execute("SELECT 1")
    monkeypatch.setattr(database, "RECENTLY_USED_S", 0.0)
    checks = _checks(monkeypatch)
    with db.tx() as conn:
        conn.execute("SELECT 1")
    assert len(checks) == 1
