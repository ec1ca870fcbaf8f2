"""The worker's use case of recording runs: it decides each write from what it holds
of the row (jobsched/domain/recording.py: ``begin``, an attempt's end with the retry
or dead-letter decision), and the store writes them, guarded, in one statement
(``store.attempts.write_executions``). A result PostgreSQL refuses for its data is decided again, as
a failure saying why."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime

from jobsched.domain.execution_writes import ClaimedExecution, Write
from jobsched.domain.recording import (
    Finish,
    Held,
    Recorded,
    begin,
    cancelled_attempt,
    end_of,
    refused_result,
)
from jobsched.domain.retry import RetryPolicy
from jobsched.domain.states import AttemptOutcome
from jobsched.store import Store
from jobsched.store.attempts import REFUSED_FOR_DATA
from jobsched.store.database import Conn, first_line

log = logging.getLogger("jobsched.store")


def _refused(f: Finish, exc: BaseException) -> Finish:
    reason = "the result could not be stored: " + first_line(exc)
    log.warning(
        "result refused by PostgreSQL; recorded as failed",
        extra={"execution_id": f.execution_id, "error": reason},
    )
    return refused_result(f, reason)


def record(
    store: Store,
    starts: Sequence[Held],
    ends: Sequence[tuple[Held, Finish]],
    now: datetime,
    policy: RetryPolicy | None = None,
    conn: Conn | None = None,
) -> tuple[dict[str, Held], dict[str, Recorded]]:
    """Record runs RUNNING (``starts``) and attempts' ends, all in one statement
    (``record_executions``); returns the runs recorded RUNNING, as now held, and what was
    written for each end that still held its row. A write whose row changed since
    the holder read or wrote it (another worker's lease, a cancel, an earlier
    result) is dropped: neither returned nor written.

    A row PostgreSQL refuses for its data (a DataError, a value psycopg cannot
    encode) must not stall the batch, nor pass for an outage to retry forever:
    the batch is then written row by row, and each refused result is recorded
    FAILED and dead-lettered with the reason instead.

    With ``conn``, the statement is a step of the caller's transaction (the ends of
    workflow steps and their advancement, ``workflow_steps.record_ends``); a refused
    row then aborts it and is raised, for the caller to record the batch without it.
    """
    writes = [begin(h, now) for h in starts]
    writes += [end_of(h, f, now, policy) for h, f in ends]
    if conn is not None:
        return _written(store.attempts.write_executions(writes, now, conn))
    try:
        written = store.attempts.write_executions(writes, now)
    except REFUSED_FOR_DATA:
        written = []
        for w, finish in zip(writes, [None] * len(starts) + [f for _, f in ends], strict=True):
            try:
                written += store.attempts.write_executions([w], now)
            except REFUSED_FOR_DATA as exc:
                if finish is None:
                    raise
                again = end_of(w.held, _refused(finish, exc), now, policy)
                written += store.attempts.write_executions([again], now)
    return _written(written)


def record_sent(
    store: Store,
    starts: Sequence[Held],
    ends: Sequence[tuple[Held, Finish]],
    now: datetime,
    policy: RetryPolicy | None,
    conn: Conn,
) -> Callable[[], tuple[dict[str, Held], dict[str, Recorded], bool]]:
    """``record`` in the caller's transaction, sent now: the function given back reads
    what ``record`` returns, and whether some rows were written by a statement sent
    after what the caller sent meanwhile (a read sent meanwhile then missed them)."""
    writes = [begin(h, now) for h in starts]
    writes += [end_of(h, f, now, policy) for h, f in ends]
    sent = store.attempts.send_executions(writes, now, conn)

    def read() -> tuple[dict[str, Held], dict[str, Recorded], bool]:
        written, late = sent()
        return (*_written(written), late)

    return read


def _written(written: list[Write]) -> tuple[dict[str, Held], dict[str, Recorded]]:
    started = {w.held.id: w.after() for w in written if w.recorded is None}
    ended = {w.held.id: w.recorded for w in written if w.recorded is not None}
    return started, ended


def note_cancelled(
    store: Store, ends: Sequence[tuple[Held, str | None]], now: datetime
) -> set[str]:
    """Add to the history of runs a user cancelled before anything of them was
    written the attempt their worker ran, ended CANCELLED with ``error``; the ids
    noted. A run retried since, or whose row changed otherwise, is left as it is."""
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
    return store.attempts.note_cancelled(rows, now)


def start(
    store: Store, claims: Sequence[tuple[str, str]], worker_id: str, now: datetime
) -> list[ClaimedExecution]:
    """Records claimed executions RUNNING under their lease tokens, as a worker does
    for a run that outlives RECORD_RUNNING_AFTER_MS (tests and tools start runs
    this way). A still-open attempt (its worker vanished and the lease lapsed) is
    closed as LOST. Claims whose execution is already finished, cancelled or
    deleted are left out. The runs returned are as a worker holds them."""
    tokens = dict(claims)
    rows = store.attempts.claimed(list(tokens))
    held = [Held(r, tokens[str(r["id"])], worker_id, now) for r in rows]
    started, _ = record(store, held, [], now)
    return [ClaimedExecution.of(h.row) for h in started.values()]


def finish(
    store: Store, finishes: Sequence[Finish], now: datetime, policy: RetryPolicy | None
) -> dict[str, Recorded]:
    """Records the results of attempts recorded RUNNING (by ``start``), for the ids
    that still hold their lease (results from stale leases are ignored)."""
    tokens = {f.execution_id: f.token for f in finishes}
    rows = store.attempts.lock_running(list(tokens))
    held = {
        str(r["id"]): Held(r, r["lease_token"], r["worker_id"], r["started_at"], True)
        for r in rows
        if r["lease_token"] == tokens[str(r["id"])]
    }
    ends = [(held[f.execution_id], f) for f in finishes if f.execution_id in held]
    return record(store, [], ends, now, policy)[1]


def hand_back(store: Store, claims: Sequence[tuple[str, str]], now: datetime) -> list[str]:
    """Returns runs recorded RUNNING under these leases to QUEUED (a stopping
    worker's hand-back)."""
    back = [Finish(i, t, AttemptOutcome.HANDED_BACK, error="worker stopped") for i, t in claims]
    return list(finish(store, back, now, None))
