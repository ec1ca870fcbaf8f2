"""The use cases that ask for runs: a trigger and a backfill. Each opens its unit of
work, reads through the store (the job, locked or with its catalog entry), decides
with the domain (jobsched/domain/triggering.py, jobsched/domain/lifecycle.py) and the
caller's ``decide``, writes through the store, and commits. The store never calls
back up."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from jobsched.domain import audit as changes
from jobsched.domain import cron, flow, job_calendar, lifecycle, windows
from jobsched.domain.access import forbidden_overrides
from jobsched.domain.audit import Audit
from jobsched.domain.execution_ids import new_execution_id
from jobsched.domain.lifecycle import REFUSING_RUNS
from jobsched.domain.models import Execution, Job, NewExecution, new_execution
from jobsched.domain.states import ExecutionStatus
from jobsched.domain.triggering import (
    KeyProblems,
    not_yet_run,
    occurrence_rows,
    room_refusal,
    run_concurrency,
    run_rates,
    run_time,
    trigger_keys,
    triggered_executions,
)
from jobsched.early_push import EarlyPush
from jobsched.errors import (
    ConflictError,
    FlowRateLimitedError,
    ForbiddenError,
    ValidationError,
)
from jobsched.flow_trigger import FlowEffects, gate
from jobsched.registry import Handler
from jobsched.store import Store
from jobsched.store.database import parse_uuid
from jobsched.store.rows import job_from_row

Decide = Callable[[Job, dict[str, Any] | None], Sequence[dict[str, Any]]]
"""The runs a trigger asks for, given its job and its handler's catalog entry (None:
none), as read in its transaction; raises to refuse them (nothing is written)."""


def _refuse_unless_room(store: Store, conn: Any, job_id: Any, adding: int, limit: int) -> None:
    n = store.triggers.unfinished_of_job(conn, job_id)
    if (why := room_refusal(n, adding, limit)) is not None:
        raise ConflictError(why, limit=limit, unfinished=n)


def refuse_overrides(
    scope: str, job: Job, handler: Handler | None, runs: list[dict[str, Any]], batch: bool
) -> None:
    """403 naming each payload field the caller's scope may not override for one
    run: a handler declares what an operate key may change (``overridable``);
    everything else, and anything of a ``system.*`` handler, needs admin."""
    overridable = handler.overridable if handler is not None else ()
    refused: dict[str, str] = {}
    for i, run in enumerate(runs):
        payload = run.get("payload")
        if payload is None:
            continue
        prefix = f"runs[{i}].payload." if batch else "payload."
        for name in forbidden_overrides(scope, job.handler, overridable, job.payload, payload):
            refused[prefix + name] = "overriding it for one run needs the admin scope"
    if refused:
        names = ", ".join(sorted(refused))
        raise ForbiddenError(
            f"{job.handler} does not let a key of scope {scope} override {names}",
            "admin",
            refused,
        )


def trigger_executions(
    store: Store,
    job_id: str,
    now: datetime,
    runs: Sequence[dict[str, Any]] = ({},),
    audit: Audit | None = None,
    decide: Decide | None = None,
    key: str | None = None,
    queued: bool = False,
    max_unfinished: int | None = None,
    unread: Sequence[dict[str, Any]] | None = None,
    effects: FlowEffects | None = None,
    admit: Admit | None = None,
    early: EarlyPush | None = None,
) -> list[NewExecution]:
    """Runs for a manual trigger (with their queue items, for ``Handoff.submit``), in
    one transaction and one INSERT; each run
    may override payload and priority, and be due later (``run_at``, ``delay_ms``).

    Written PENDING for the tick's outbox to push, or with ``queued`` QUEUED (at
    ``now``) for the caller to push right after commit (``Handoff.submit``; the
    tick's repair pushes them if that push is lost).

    The job is read once, with its handler's catalog entry, in the transaction that
    writes the runs; ``decide`` (if given) turns them into the runs to write, or
    refuses. With an idempotency ``key``, a repeated request returns the runs the
    first one created. With ``max_unfinished``, runs that would leave the job more
    unfinished runs than that are refused (``ConflictError`` naming the limit).

    ``unread``: the runs, when deciding them needs nothing of the job (no payload
    override: ``triggering.needs_job``). Without an idempotency key they are written in
    one round trip that reads nothing first (``_trigger_unread``); if its guards hold
    them back, the trigger reads and decides as any other, and says why.

    A job under flow control (its own or its handler's): each run's keys are resolved
    from its payload (a payload that names none is a ``ValidationError`` naming the
    path); under a debounce or a singleton the trigger may join a run instead of
    writing one (``flow_trigger.gate``), and ``effects`` gathers what Redis must learn
    after the commit.

    ``early``: a single unread run's push is sent before its statement and answered
    after it (jobsched/early_push.py); ``early.pushed`` then names it."""
    jid = parse_uuid(job_id, "job")
    if unread is not None and key is None:
        created = _trigger_unread(store, jid, now, unread, audit, queued, max_unfinished, early)
        if created is not None:
            return created
    # Two round trips in all: the reads (and locks) together, then the write with the
    # COMMIT (pipelined_tx).
    with store.pipelined_tx() as conn:
        read = store.triggers.trigger_reads(conn, jid, key, max_unfinished)
        job = read.job
        if read.earlier is not None:
            return [new_execution(e, job["max_concurrency"]) for e in read.earlier]
        if decide is not None:
            runs = list(decide(job_from_row(job), read.published))
        if (why := lifecycle.refusal(job["status"], "trigger")) is not None:
            raise ConflictError(why)
        n = read.unfinished
        if max_unfinished and n is not None and (why := room_refusal(n, len(runs), max_unfinished)):
            raise ConflictError(why, limit=max_unfinished, unfinished=n)
        defaults = (read.published or {}).get("flow")
        try:
            concurrency = run_concurrency(job, defaults, runs, len(runs) > 1)
        except KeyProblems as exc:
            raise ValidationError(exc.problems) from None
        except flow.StoredControlBroken as exc:  # the caller sent nothing wrong
            raise ConflictError(
                f"the job's {exc.name} as stored no longer reads ({exc.problem}); PUT it anew"
            ) from None
        controls = flow.controls_of(job, defaults)
        fate = gate(store, conn, job, controls, list(runs), now, audit, effects or FlowEffects())
        if fate.answer is not None:
            return fate.answer
        if fate.run is not None:
            runs = [fate.run]
        times = _in_windows(store, conn, job, [run_time(run, now) for run in runs])
        ids = [new_execution_id(when) for when in times]
        keys = trigger_keys(key, len(runs))
        rates = run_rates(job, defaults, runs)
        _admit(rates, admit, job["pool"], now)
        created = triggered_executions(job, ids, times, runs, now, keys, queued, concurrency, rates)
        if fate.columns.get("debounce_key") is not None:
            # Started at its time, never claimed ahead: a later trigger may still join it.
            created = [r._replace(item=r.item._replace(exact=True)) for r in created]
        executions = [r.execution for r in created]
        # The entry names the runs by the ids chosen above: it is written with them, in
        # the same round trip (no statement waits for the INSERT's answer).
        change = changes.triggered([e.id for e in executions], [changes.plain(r) for r in runs])
        entry = changes.entry(audit, "job", job["id"], change)
        store.triggers.write_triggered(
            conn, job, ids, executions, runs, key, now, entry, fate.columns
        )
    # Runs due on a day without its partition (far ahead): moved into its new one.
    store.partitions.ensure_for(times)
    return created


def _in_windows(
    store: Store, conn: Any, job: dict[str, Any], times: list[datetime]
) -> list[datetime]:
    """Run times asked for (a trigger's, a backfill's start) inside a blackout or outside
    the job's windows: due at the next opening instead (written with their due time
    deferred), or, with ``outside_window: skip``, refused (409 saying why and when the
    next opening is: an operator's explicit request is not dropped silently)."""
    if not (job.get("windows") or job.get("blackouts") or job.get("calendar")):
        return times  # (a calendar may carry windows and blackouts of its own)
    calendar = store.calendars.find(conn, job["calendar"]) if job.get("calendar") else None
    window = job_calendar.waiting_window(
        {**job, "job_timezone": job["timezone"], "job_calendar": calendar}
    )
    if window is None:
        return times
    found = []
    for t in times:
        admission = windows.admit(t, window)
        if admission.outcome == windows.SKIPPED:
            opening = windows.next_opening(t, window)
            after = f" (the next opening is {opening.isoformat()})" if opening else ""
            raise ConflictError(f"{admission.reason}{after}")
        found.append(admission.at or t)
    return found


Admit = Callable[[str, flow.Rate, int, datetime], int]
"""Counts runs under a reject-mode rate key (pool, rate, runs, now): 0 when admitted, else
ms until the key has room (``RedisQueue.admit``)."""


def _admit(
    rates: Sequence[flow.Rate | None], admit: Admit | None, pool: str, now: datetime
) -> None:
    """A trigger over a reject-mode rate key's limit is refused whole (429, Retry-After),
    before anything is written."""
    wanted: dict[flow.Rate, int] = {}
    for rate in rates:
        if rate is not None and rate.mode == "reject":
            wanted[rate] = wanted.get(rate, 0) + 1
    if admit is None:
        return
    for rate, n in wanted.items():
        if (wait_ms := admit(pool, rate, n, now)) > 0:
            raise FlowRateLimitedError(rate.key, math.ceil(wait_ms / 1000))


def _trigger_unread(
    store: Store,
    jid: Any,
    now: datetime,
    runs: Sequence[dict[str, Any]],
    audit: Audit | None,
    queued: bool,
    max_unfinished: int | None,
    early: EarlyPush | None = None,
) -> list[NewExecution] | None:
    """The runs written in one statement that is its own transaction, the job's
    snapshot copied by the INSERT; None when nothing was written (no such job, a status
    that takes no runs, no room under ``max_unfinished``, a route assumed by ``early``
    that no longer holds): the caller's read then says why.

    With ``early``, a single QUEUED run's push is sent before the statement, and
    settled after it whatever it answered (jobsched/early_push.py)."""
    times = [run_time(run, now) for run in runs]
    ids = [new_execution_id(when) for when in times]
    status = (ExecutionStatus.QUEUED if queued else ExecutionStatus.PENDING).value
    change = changes.triggered([str(i) for i in ids], [changes.plain(r) for r in runs])
    entry = changes.entry(audit, "job", jid, change)
    assumed = None
    if early is not None and queued and len(ids) == 1:
        assumed = early.send(str(jid), str(ids[0]), times[0], runs[0].get("priority"), now)
    outcome, answered = None, False
    try:
        with store.statement() as conn:  # one round trip, its own transaction
            outcome = store.triggers.write_triggered_unread(
                conn,
                jid,
                ids,
                times,
                runs,
                status,
                now,
                REFUSING_RUNS,
                max_unfinished,
                entry,
                assumed,
            )
        answered = True
    finally:
        if early is not None:
            # Unanswered (it raised), the write may have committed: nothing is taken back.
            written = (outcome is not None and outcome.written) if answered else None
            early.settle(outcome.job if outcome is not None else None, written)
    if outcome is None or not outcome.written:
        return None
    if outcome.crowded:
        store.triggers.collapse_unfinished(jid)
    store.partitions.ensure_for(times)
    return triggered_executions(outcome.job, ids, times, runs, now, None, queued)


def trigger(
    store: Store,
    job_id: str,
    now: datetime,
    runs: Sequence[dict[str, Any]] = ({},),
    audit: Audit | None = None,
    decide: Decide | None = None,
    key: str | None = None,
    queued: bool = False,
    max_unfinished: int | None = None,
) -> list[Execution]:
    """``trigger_executions``' executions, for a caller that leaves the push to the tick."""
    created = trigger_executions(
        store, job_id, now, runs, audit, decide, key, queued, max_unfinished
    )
    return [r.execution for r in created]


def _calendar_rules(store: Store, conn: Any, job: dict[str, Any]) -> job_calendar.Rules | None:
    calendar = None
    if job.get("calendar"):
        row = store.calendars.find(conn, job["calendar"])
        calendar = job_calendar.calendar_of_row(row) if row else None
    return job_calendar.rules_of(job, calendar)


def backfill(
    store: Store,
    job_id: str,
    start: datetime,
    end: datetime,
    now: datetime,
    audit: Audit | None = None,
    limit: int = 500,
    max_unfinished: int | None = None,
) -> tuple[list[NewExecution], int]:
    """Runs for the occurrences of a job's schedule in ``start <= t < end`` that have
    not run (never recorded, or SKIPPED), once: a repeated backfill finds them
    written. Under any overlap policy but ``allow`` they run one at a time, oldest
    first (held back, released by the tick). Returns the runs written and how many
    occurrences in the range had run already. More than ``limit`` in the range is
    refused, naming ``end``; runs past ``max_unfinished`` (as ``trigger``), with a
    ``ConflictError``."""
    jid = parse_uuid(job_id, "job")
    with store.tx() as conn:
        if max_unfinished is not None:
            # Before the job row, as a trigger takes them (its insert then waits for
            # the row): the other order could deadlock with a trigger.
            store.triggers.lock_job_executions(conn, jid)
        job = store.triggers.job_to_backfill(conn, jid)
        if not job["schedule"] and not job.get("business_day_rule"):
            raise ConflictError("the job has no schedule to backfill")
        if (why := lifecycle.refusal(job["status"], "backfill")) is not None:
            raise ConflictError(why)
        rule = lifecycle.dst_rule(job)
        rules = _calendar_rules(store, conn, job)
        if rules is None:
            times, more = cron.between(job["schedule"], job["timezone"], start, end, limit, rule)
        else:
            # What the calendar skips (a holiday) or a window skips is not run; the
            # ledger says why. What it moves runs at its moved time.
            found, more = job_calendar.between(job, rules, start, end, limit, rule)
            times = [o.at for o in found if o.starts is not None]
        if more:
            raise ValidationError(
                {"end": f"the range holds more than {limit} occurrences; backfill less"}
            )
        todo = not_yet_run(times, store.triggers.ran_occurrences(conn, jid, times))
        if max_unfinished is not None and todo:
            _refuse_unless_room(store, conn, jid, len(todo), max_unfinished)
        hold = job["overlap_policy"] != "allow"  # one at a time, oldest first
        # Backfilled runs start now: when the job's windows are closed, at their opening.
        opening = _in_windows(store, conn, job, [now])[0] if todo else now
        deferred = opening if opening != now else None
        rows = [
            row
            for t in todo
            for row in occurrence_rows(job, t, "backfill", now, wait=hold, not_before=deferred)
        ]
        written = store.triggers.write_backfill(conn, job, rows)
        change = changes.backfilled([e.id for e in written], start, end)
        store.audit.write(conn, changes.entry(audit, "job", jid, change), now)
        created = [new_execution(e, job["max_concurrency"]) for e in written]
    store.partitions.ensure_for([e.scheduled_for for e in written])
    return created, len(times) - len(created)
