"""A worker's runs: the claimed read and the recording of starts and ends (the hot path)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

import psycopg
from psycopg.rows import tuple_row
from psycopg.types.json import Jsonb
from psycopg.types.string import TextLoader

from jobsched.domain.execution_ids import scheduled_ms
from jobsched.domain.execution_writes import Write
from jobsched.store.database import Conn, Repository
from jobsched.store.queries import q
from jobsched.store.recording import params


@lru_cache(maxsize=64)  # a few partitions are written at a time; one more every day
def _record_executions_into(table: str) -> str:
    """``record_executions`` aimed at ``table``: the parent ``executions`` or one of its
    partitions, as ``tableoid::regclass::text`` names it (PostgreSQL quotes that name,
    so it is a valid table reference as it stands)."""
    query = q("record_executions")
    if table == "executions":
        return query
    target = "UPDATE executions e"
    if query.count(target) != 1:
        raise RuntimeError(f"record_executions must contain {target!r} once")
    return query.replace(target, f"UPDATE {table} e")


def _record_executions(conn: Conn, *groups: tuple[str, list[Write]], now: datetime) -> set[str]:
    """One ``record_executions`` per (table, writes) group; the ids written."""
    return _sent_records(conn, *groups, now=now)()


def _sent_records(
    conn: Conn, *groups: tuple[str, list[Write]], now: datetime
) -> Callable[[], set[str]]:
    """``_record_executions``, sent now, the ids written read by the function given back
    (in a pipelined transaction, statements sent before it is called go along)."""
    sent = []
    for table, writes in groups:
        cur = conn.cursor(row_factory=tuple_row)
        # The ids come back as text, as the writes hold them: no uuid made per row only
        # to be turned back into text (a worker's batch is up to its capacity).
        cur.adapters.register_loader("uuid", TextLoader)
        sent.append(cur.execute(_record_executions_into(table), params(writes, now)))
    return lambda: {r[0] for cur in sent for r in cur.fetchall()}


REFUSED_FOR_DATA = (psycopg.DatabaseError, ValueError, TypeError)
"""What a write raises when PostgreSQL (or psycopg, encoding the values) refuses the
data itself. Connection failures never get here: ``Store.tx`` turns them into
``DependencyError`` first."""


def _by_table(writes: Sequence[Write]) -> dict[str, list[Write]]:
    by_table: dict[str, list[Write]] = {}
    for w in writes:
        by_table.setdefault(w.held.row.get("part") or "executions", []).append(w)
    return by_table


def _write_in(conn: Conn, writes: Sequence[Write], now: datetime) -> list[Write]:
    """``write_executions`` in the caller's transaction."""
    return _sent_in(conn, writes, now)()[0]


def _sent_in(
    conn: Conn, writes: Sequence[Write], now: datetime
) -> Callable[[], tuple[list[Write], bool]]:
    """``_write_in``, sent now; the function given back reads the writes that landed,
    and whether some landed only through the parent table, in a statement sent after
    whatever the caller sent meanwhile (which then read the rows before it)."""
    by_table = _by_table(writes)
    sent = _sent_records(conn, *by_table.items(), now=now)

    def landed_writes() -> tuple[list[Write], bool]:
        landed = sent()
        missed = [w for w in writes if w.held.id not in landed]
        late: set[str] = set()
        if missed and list(by_table) != ["executions"]:
            late = _record_executions(conn, ("executions", missed), now=now)
        return [w for w in writes if w.held.id in landed | late], bool(late)

    return landed_writes


_UUID_TEXT = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")


class Attempts(Repository):
    def claimed(self, ids: Sequence[str]) -> list[dict[str, Any]]:
        """The rows of claimed runs that may start, read in one statement, unlocked
        (what follows is written by ``record``, guarded). A run finished, cancelled or
        deleted meanwhile is left out: the caller acks it away."""
        # An id that is no uuid (something else wrote to the queue) has no row: left
        # out here, it is acked away like a deleted run instead of failing its batch.
        ids = [i for i in ids if _UUID_TEXT.fullmatch(i)]
        if not ids:
            return []
        dated = {i: scheduled_ms(i) for i in ids}
        rows = self._claimed([{"id": i, "ms": ms} for i, ms in dated.items()])
        # An id whose time is not its row's (a row whose scheduled_for was changed by
        # hand) is read again by id alone: no claimed run may pass for one that ended.
        found = {r["id"] for r in rows}
        again = [{"id": i, "ms": None} for i, ms in dated.items() if ms and i not in found]
        return rows + self._claimed(again) if again else rows

    @staticmethod
    def send_executions(
        writes: Sequence[Write], now: datetime, conn: Conn
    ) -> Callable[[], tuple[list[Write], bool]]:
        """``write_executions`` in the caller's transaction, sent now: the function given
        back reads the writes that landed, and whether some landed in a statement of
        their own after what the caller sent meanwhile (``_sent_in``)."""
        if not writes:
            return lambda: ([], False)
        return _sent_in(conn, writes, now)

    @staticmethod
    def send_claimed(conn: Conn, ids: Sequence[str]) -> Callable[[], list[dict[str, Any]]]:
        """``claimed`` for runs this transaction wrote (their ids carry their time), as a
        step of it: read as they will be committed, by the function given back (in a
        pipelined transaction, after the COMMIT it went with). A worker that launched
        them holds these rows for its next claim (``jobsched.worker``)."""
        if not ids:
            return list
        runs = [{"id": i, "ms": scheduled_ms(i)} for i in ids]
        return conn.execute(q("claimed_executions"), {"runs": Jsonb(runs)}).fetchall

    def unwritten(self, ids: Sequence[str]) -> list[str]:
        """Of these run ids, those with no row at all, whatever its status and time
        (jobsched/worker_unwritten.py)."""
        known = [i for i in ids if _UUID_TEXT.fullmatch(i)]
        if not known:
            return []
        with self.statement() as conn:
            rows = conn.execute(q("unwritten_executions"), {"ids": known}).fetchall()
        return [r["id"] for r in rows]

    def _claimed(self, runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        with self.statement() as conn:
            return conn.execute(q("claimed_executions"), {"runs": Jsonb(runs)}).fetchall()

    def write_executions(
        self, writes: Sequence[Write], now: datetime, conn: Conn | None = None
    ) -> list[Write]:
        """``record_executions``, aimed at the partition each row was read from (its ``part``),
        in one transaction; the writes that landed. With ``conn``: a step of the caller's
        transaction (a batch ending workflow steps, whose advancement commits with it).

        A statement on the parent opens and locks every partition and its indexes, so
        rows are written straight into their partition: one statement when they share
        it, as they nearly always do. Aiming at a partition is only a shortcut, never a
        way to lose a write: a partition that retention dropped since the read (its
        kept rows moved to the default partition) fails the statement with
        UndefinedTable, and a row not found where it was read (or read without its
        ``part``) goes through the parent statement, guarded the same way. (In the
        caller's transaction, UndefinedTable aborts it and is raised: the caller
        writes again without it.)"""
        if not writes:
            return []
        if conn is not None:
            return _write_in(conn, writes, now)
        by_table = _by_table(writes)
        landed: set[str] = set()
        with self.statement() as conn:
            if list(by_table) != ["executions"]:
                try:
                    if len(by_table) == 1:
                        landed = _record_executions(conn, *by_table.items(), now=now)
                    else:
                        with conn.transaction():
                            landed = _record_executions(conn, *by_table.items(), now=now)
                except psycopg.errors.UndefinedTable:
                    landed = set()  # nothing written: all go through the parent
            missed = [w for w in writes if w.held.id not in landed]
            if missed:
                landed |= _record_executions(conn, ("executions", missed), now=now)
        return [w for w in writes if w.held.id in landed]

    def note_cancelled(self, rows: list[dict[str, Any]], now: datetime) -> set[str]:
        """Add to the history of runs a user cancelled before anything of them was
        written the attempt their worker ran (``note_cancelled_attempts``; each row:
        id, scheduled_for, expect_attempt, expect_token, attempt, worker_id); the ids
        noted. A run retried since, or whose row changed otherwise, is left as it is."""
        if not rows:
            return set()
        with self.statement() as conn:
            found = conn.execute(q("note_cancelled_attempts"), {"rows": Jsonb(rows), "now": now})
            return {r["id"] for r in found}

    def lock_running(self, ids: Sequence[str]) -> list[dict[str, Any]]:
        """The rows of these runs as recorded RUNNING (``lock_running``)."""
        with self.tx() as conn:
            return conn.execute(q("lock_running"), {"ids": [uuid.UUID(i) for i in ids]}).fetchall()
