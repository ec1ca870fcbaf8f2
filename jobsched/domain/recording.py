"""What a worker writes of a run, computed from what it knows of the row.

A worker reads its claimed runs once (``store.attempts.claimed``) and from then on knows
each row as PostgreSQL holds it: as read, or as it wrote it since. So the next state of
a run is computed here, from values, and ``store.attempts.write_executions`` writes many
of them in one statement (``record_executions``) as a compare-and-set: a row that
changed meanwhile (another worker recorded the run, a user cancelled it, an earlier
result landed) keeps its state and the write is dropped.

Two writes exist:
- ``begin``: the run is recorded RUNNING under the worker's lease token (it outlived
  ``RECORD_RUNNING_AFTER_MS``, or a caller wants every start recorded); the row then
  shows the run, its worker and its open attempt, and the tick's rebuild restores its
  lease should Redis lose it;
- ``end``: an attempt's outcome. A run never recorded RUNNING is written once: its
  attempt opened and closed in the same write, QUEUED (or PENDING, RETRYING) -> final.
Pure functions: the retry decision and the alerts come from ``jobsched.domain``.

The values themselves (``Held``, ``Write``, ``Recorded``, ``Finish``) are in
jobsched/domain/execution_writes.py.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from jobsched.domain import alerts, attempts, job_calendar, retry
from jobsched.domain.execution_writes import Finish, Held, Recorded, Write
from jobsched.domain.retry import RetryAt, RetryPolicy, ToDeadLetter
from jobsched.domain.states import AttemptOutcome, ExecutionStatus

S = ExecutionStatus


def _opened(held: Held) -> tuple[list[dict[str, Any]], int, int]:
    """The attempt history with this worker's attempt open, the attempt number and the
    attempt base: as recorded, or as ``begin`` would record them."""
    row = held.row
    if held.recorded:
        return row["attempts"], row["attempt"], row["attempt_base"]
    history, spared = attempts.begin(row["attempts"], held.worker_id, held.started_at)
    return history, row["attempt"] + 1, row["attempt_base"] + spared


def _notice(held: Held, kind: str, detail: str | None, now: datetime) -> tuple[str, dict]:
    row = held.row
    body = alerts.event(kind, str(row["job_id"]), row["name"], held.id, detail, now)
    return kind, body


def begin(held: Held, now: datetime) -> Write:
    """Record the run RUNNING under the holder's lease token."""
    history, attempt, base = _opened(held)
    late = held.late_start()
    write = Write(
        held,
        {
            "status": S.RUNNING.value,
            "attempt": attempt,
            "attempt_base": base,
            "worker_id": held.worker_id,
            "token": held.token,
            "queued_at": held.row["queued_at"] or held.started_at,
            "started_at": held.started_at,
            "finished_at": None,
            "result": None,
            "error": held.row["error"],
            "next_attempt_at": held.row["next_attempt_at"],
            "attempts": history,
            "alerts": [late] if late else [],
        },
    )
    if late and held.row["notify_url"]:
        write.notices.append(_notice(held, late["kind"], late.get("detail"), now))
    return write


def end(
    held: Held,
    outcome: AttemptOutcome,
    now: datetime,
    policy: RetryPolicy | None,
    *,
    result: Any = None,
    error: str | None = None,
    deliveries: int = 0,
    refused: str | None = None,
    fail_now: bool = False,
    retry_after_ms: int | None = None,
) -> Write:
    """Record an attempt's outcome (written once if the run was never recorded RUNNING).
    A failure is retried or dead-lettered as ``retry.decide`` says; a hand-back returns
    the run to QUEUED without using up a retry. ``policy`` is needed for failures only."""
    row = held.row
    history, attempt, base = _opened(held)
    decision = None
    if outcome in (AttemptOutcome.FAILED, AttemptOutcome.TIMED_OUT):
        if policy is None:
            raise ValueError("a failed attempt needs a retry policy")
        decision = retry.decide(
            outcome,
            retries_used=attempts.retries_used(attempt, base),
            max_retries=row["max_retries"],
            retry_backoff_ms=row["retry_backoff_ms"],
            retry_backoff_max_ms=row["retry_backoff_max_ms"],
            now=now,
            policy=policy,
            deliveries=deliveries,
            refused=refused,
            fail_now=fail_now,
            retry_after_ms=retry_after_ms,
            window=job_calendar.waiting_window(row),
        )
    status = attempts.final_status(outcome, decision)
    retry_at = decision.at if isinstance(decision, RetryAt) else None
    buried = decision.reason if isinstance(decision, ToDeadLetter) else None
    handed_back = outcome == AttemptOutcome.HANDED_BACK
    late = held.late_start()
    over = None
    if not handed_back:
        over = alerts.overran(held.started_at, now, row["max_duration_ms"])
    breaches = [a for a in (late, over) if a]
    write = Write(
        held,
        {
            "status": status.value,
            "attempt": attempt,
            "attempt_base": base + int(not attempts.uses_a_retry(outcome)),
            "worker_id": None if handed_back else held.worker_id,
            "token": None,
            "queued_at": now if handed_back else (row["queued_at"] or held.started_at),
            "started_at": held.started_at,
            "finished_at": None if status in (S.RETRYING, S.QUEUED) else now,
            "result": result,
            "error": error,
            "next_attempt_at": retry_at,
            "attempts": attempts.close(history, outcome, now, error),
            "alerts": breaches,
        },
        recorded=Recorded(status, retry_at, buried),
    )
    if row["notify_url"]:
        for breach in breaches:
            write.notices.append(_notice(held, breach["kind"], breach.get("detail"), now))
        if status == S.RETRYING:
            write.notices.append(_notice(held, alerts.ATTEMPT_FAILED, error, now))
        if buried is not None:
            write.notices.append(_notice(held, alerts.DEAD_LETTER, buried, now))
    if buried is not None:
        write.dead_letter = (buried, error)
    return write


def cancelled_attempt(held: Held, now: datetime, error: str | None) -> dict[str, Any]:
    """The attempt entry of a run cancelled while its holder ran it unrecorded: opened
    at the holder's start, ended CANCELLED ``now`` (as ``end`` would have written it)."""
    history, _, _ = _opened(held)
    return attempts.close(history, AttemptOutcome.CANCELLED, now, error)[-1]


def refused_result(f: Finish, reason: str) -> Finish:
    """What is recorded instead of a result PostgreSQL refused: a failure saying why."""
    return Finish(f.execution_id, f.token, AttemptOutcome.FAILED, error=reason, refused=reason)


def end_of(held: Held, f: Finish, now: datetime, policy: RetryPolicy | None) -> Write:
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
