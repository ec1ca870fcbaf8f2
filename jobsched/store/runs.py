"""A worker's runs: the claimed read and the recording of starts and ends (the hot path)."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

import psycopg
from psycopg.rows import tuple_row
from psycopg.types.json import Jsonb
from psycopg.types.string import TextLoader

from jobsched.domain.models import Execution
from jobsched.domain.retry import RetryPolicy
from jobsched.domain.run_ids import scheduled_ms
from jobsched.domain.states import AttemptOutcome
from jobsched.store.database import Database, _first_line
from jobsched.store.queries import q
from jobsched.store.recording import Held, Recorded, Write, begin, cancelled_attempt, end, params
from jobsched.store.rows import execution_from_row

log = logging.getLogger("jobsched.store")


@lru_cache(maxsize=64)  # a few partitions are written at a time; one more every day
def _record_runs_into(table: str) -> str:
    """``record_runs`` aimed at ``table``: the parent ``executions`` or one of its
    partitions, as ``tableoid::regclass::text`` names it (PostgreSQL quotes that name,
    so it is a valid table reference as it stands)."""
    query = q("record_runs")
    if table == "executions":
        return query
    target = "UPDATE executions e"
    if query.count(target) != 1:
        raise RuntimeError(f"record_runs must contain {target!r} once")
    return query.replace(target, f"UPDATE {table} e")


def _record_runs(
    conn: psycopg.Connection[dict[str, Any]], *groups: tuple[str, list[Write]], now: datetime
) -> set[str]:
    """One ``record_runs`` per (table, writes) group; the ids written."""
    landed: set[str] = set()
    cur = conn.cursor(row_factory=tuple_row)
    # The ids come back as text, as the writes hold them: no uuid made per row only to
    # be turned back into text (a worker's batch is up to its capacity).
    cur.adapters.register_loader("uuid", TextLoader)
    for table, writes in groups:
        landed.update(r[0] for r in cur.execute(_record_runs_into(table), params(writes, now)))
    return landed


REFUSED_FOR_DATA = (psycopg.DatabaseError, ValueError, TypeError)
"""What a write raises when PostgreSQL (or psycopg, encoding the values) refuses the
data itself. Connection failures never get here: ``Store.tx`` turns them into
``DependencyError`` first."""


@dataclass
class Finish:
    """The result of one attempt, as a worker reports it."""

    execution_id: str
    token: str
    outcome: AttemptOutcome
    result: Any = None
    error: str | None = None
    deliveries: int = 0
    """Claims of the run since its last deliberate retry (poison detection)."""
    refused: str | None = None
    """Why PostgreSQL refused the attempt's result (set by the store, never a worker)."""
    fail_now: bool = False
    """The handler said the run cannot succeed (``FailNow``): no retries."""
    retry_after_ms: int | None = None
    """The handler asked to be retried after this delay (``RetryLater(delay_ms=...)``)."""


def _refused(f: Finish, exc: BaseException) -> Finish:
    """What is recorded instead of a result PostgreSQL refused: a failure saying why."""
    reason = "the result could not be stored: " + _first_line(exc)
    log.warning(
        "result refused by PostgreSQL; recorded as failed",
        extra={"execution_id": f.execution_id, "error": reason},
    )
    return Finish(f.execution_id, f.token, AttemptOutcome.FAILED, error=reason, refused=reason)


def _end(held: Held, f: Finish, now: datetime, policy: RetryPolicy | None) -> Write:
    """The write of one attempt's end, as a worker reported it."""
    return end(
        held,
        f.outcome,
        now,
        policy,
        result=f.result,
        error=f.error,
        deliveries=f.deliveries,
        refused=f.refused,
        fail_now=f.fail_now,
        retry_after_ms=f.retry_after_ms,
    )


_UUID_TEXT = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")


class Runs(Database):
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

    def _claimed(self, runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        with self.statement() as conn:
            return conn.execute(q("claimed_executions"), {"runs": Jsonb(runs)}).fetchall()

    def record(
        self,
        starts: Sequence[Held],
        ends: Sequence[tuple[Held, Finish]],
        now: datetime,
        policy: RetryPolicy | None = None,
    ) -> tuple[dict[str, Held], dict[str, Recorded]]:
        """Record runs RUNNING (``starts``) and attempts' ends, all in one statement
        (``record_runs``); returns the runs recorded RUNNING, as now held, and what was
        written for each end that still held its row. A write whose row changed since
        the holder read or wrote it (another worker's lease, a cancel, an earlier
        result) is dropped: neither returned nor written.

        A row PostgreSQL refuses for its data (a DataError, a value psycopg cannot
        encode) must not stall the batch, nor pass for an outage to retry forever:
        the batch is then written row by row, and each refused result is recorded
        FAILED and dead-lettered with the reason instead.
        """
        writes = [begin(h, now) for h in starts]
        writes += [_end(h, f, now, policy) for h, f in ends]
        try:
            written = self._write(writes, now)
        except REFUSED_FOR_DATA:
            written = []
            for w, finish in zip(writes, [None] * len(starts) + [f for _, f in ends], strict=True):
                try:
                    written += self._write([w], now)
                except REFUSED_FOR_DATA as exc:
                    if finish is None:
                        raise
                    written += self._write([_end(w.held, _refused(finish, exc), now, policy)], now)
        started = {w.held.id: w.after() for w in written if w.recorded is None}
        ended = {w.held.id: w.recorded for w in written if w.recorded is not None}
        return started, ended

    def _write(self, writes: Sequence[Write], now: datetime) -> list[Write]:
        """``record_runs``, aimed at the partition each row was read from (its ``part``),
        in one transaction; the writes that landed.

        A statement on the parent opens and locks every partition and its indexes, so
        rows are written straight into their partition: one statement when they share
        it, as they nearly always do. Aiming at a partition is only a shortcut, never a
        way to lose a write: a partition that retention dropped since the read (its
        kept rows moved to the default partition) fails the statement with
        UndefinedTable, and a row not found where it was read (or read without its
        ``part``) goes through the parent statement, guarded the same way."""
        if not writes:
            return []
        by_table: dict[str, list[Write]] = {}
        for w in writes:
            by_table.setdefault(w.held.row.get("part") or "executions", []).append(w)
        landed: set[str] = set()
        with self.statement() as conn:
            if list(by_table) != ["executions"]:
                try:
                    if len(by_table) == 1:
                        landed = _record_runs(conn, *by_table.items(), now=now)
                    else:
                        with conn.transaction():
                            landed = _record_runs(conn, *by_table.items(), now=now)
                except psycopg.errors.UndefinedTable:
                    landed = set()  # nothing written: all go through the parent
            missed = [w for w in writes if w.held.id not in landed]
            if missed:
                landed |= _record_runs(conn, ("executions", missed), now=now)
        return [w for w in writes if w.held.id in landed]

    def note_cancelled(self, ends: Sequence[tuple[Held, str | None]], now: datetime) -> set[str]:
        """Add to the history of runs a user cancelled before anything of them was
        written the attempt their worker ran, ended CANCELLED with ``error``
        (``note_cancelled_attempts``); the ids noted. A run retried since, or whose
        row changed otherwise, is left as it is."""
        if not ends:
            return set()
        rows = [
            {
                "id": held.id,
                "scheduled_for": held.row["scheduled_for"].isoformat(),
                "expect_attempt": held.row["attempt"],
                "expect_token": held.row["lease_token"],
                "attempt": cancelled_attempt(held, now, error),
                "worker_id": held.worker_id,
            }
            for held, error in ends
        ]
        with self.statement() as conn:
            found = conn.execute(q("note_cancelled_attempts"), {"rows": Jsonb(rows), "now": now})
            return {r["id"] for r in found}

    def start(
        self, claims: Sequence[tuple[str, str]], worker_id: str, now: datetime
    ) -> list[Execution]:
        """Records claimed executions RUNNING under their lease tokens, as a worker does
        for a run that outlives RECORD_RUNNING_AFTER_MS (tests and tools start runs
        this way). A still-open attempt (its worker vanished and the lease lapsed) is
        closed as LOST. Claims whose execution is already finished, cancelled or
        deleted are left out. The executions returned are as the worker holds them
        (``claimed_executions``): without created_at, updated_at, result or alerts."""
        tokens = dict(claims)
        rows = self.claimed(list(tokens))
        held = [Held(r, tokens[str(r["id"])], worker_id, now) for r in rows]
        started, _ = self.record(held, [], now)
        return [execution_from_row(h.row) for h in started.values()]

    def finish(
        self, finishes: Sequence[Finish], now: datetime, policy: RetryPolicy | None
    ) -> dict[str, Recorded]:
        """Records the results of attempts recorded RUNNING (by ``start``), for the ids
        that still hold their lease (results from stale leases are ignored)."""
        with self.tx() as conn:
            tokens = {f.execution_id: f.token for f in finishes}
            rows = conn.execute(
                q("lock_running"), {"ids": [uuid.UUID(i) for i in tokens]}
            ).fetchall()
        held = {
            str(r["id"]): Held(r, r["lease_token"], r["worker_id"], r["started_at"], True)
            for r in rows
            if r["lease_token"] == tokens[str(r["id"])]
        }
        ends = [(held[f.execution_id], f) for f in finishes if f.execution_id in held]
        return self.record([], ends, now, policy)[1]

    def hand_back(self, claims: Sequence[tuple[str, str]], now: datetime) -> list[str]:
        """Returns runs recorded RUNNING under these leases to QUEUED (a stopping
        worker's hand-back)."""
        back = [Finish(i, t, AttemptOutcome.HANDED_BACK, error="worker stopped") for i, t in claims]
        return list(self.finish(back, now, None))
