"""The store's connection pool on a hot path: a connection given back is at once
available to the next call on the same thread, and one that just worked is not checked
again on checkout (jobsched/store/database.py)."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
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


def test_a_statement_failing_in_a_pipelined_transaction_gives_its_connection_up(
    db: Database,
) -> None:
    """After an error inside a pipeline the driver may believe a statement prepared that
    the server skipped; the connection's next use of it then failed ("prepared statement
    does not exist", seen in the suite, depending on the order of the tests). So a
    pipelined transaction whose statement fails gives its connection up and the next
    call gets a fresh one that works; a refusal decided in Python (a 4xx) keeps its
    connection: no reconnect for a bad request."""
    query = "SELECT %s::int AS n"
    for i in range(4):  # one short of psycopg's prepare threshold
        with db.pipelined_tx() as conn:
            conn.execute(query, (i,))
    with db.pipelined_tx() as conn:
        failed_on = conn.info.backend_pid
    with pytest.raises(psycopg.errors.DivisionByZero), db.pipelined_tx() as conn:
        conn.execute("SELECT 1 / 0")
        conn.execute(query, (5,))  # its fifth use: prepared, and skipped by the server
    with db.pipelined_tx() as conn:
        assert conn.execute(query, (7,)).fetchone()["n"] == 7
        kept = conn.info.backend_pid
    assert kept != failed_on
    with pytest.raises(ConflictError), db.pipelined_tx() as conn:
        conn.execute(query, (8,)).fetchone()
        raise ConflictError("refused")
    with db.pipelined_tx() as conn:
        assert conn.info.backend_pid == kept
