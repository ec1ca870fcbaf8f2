"""The tick's scheduling pass as a use case: in one unit of work it reads the due jobs
(and, for the careful ones, whether a run of theirs is unfinished) through the store,
decides with ``due.plan`` which runs each job gets, and writes them, the cancels and
the jobs' advances through the store (one pipelined round trip per statement)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from jobsched.domain import attempts, due, job_calendar
from jobsched.domain.calendars import Calendar
from jobsched.domain.lifecycle import SCHEDULE_ERROR_RETRY, dst_rule
from jobsched.domain.models import Execution, NewExecution, new_execution
from jobsched.domain.states import AttemptOutcome, ExecutionStatus
from jobsched.domain.triggering import occurrence_rows
from jobsched.store import Store
from jobsched.store.database import describe_error

CANCEL_PREVIOUS = "cancelled: the next occurrence fell due (overlap_policy=cancel_previous)"


@dataclass
class Scheduled:
    """What one scheduling pass did."""

    runs: list[NewExecution]
    """The PENDING executions it wrote (to be pushed), with their queue items."""
    flagged: dict[str, str]
    """Jobs it could not schedule, by id, with the reason (now their schedule_error)."""
    cancelled: list[str] = field(default_factory=list)
    """Unfinished runs it cancelled (overlap_policy=cancel_previous), for Redis to drop."""
    full: bool = False
    """It read as many due jobs as its limit allowed: more may be due (a backlog)."""

    @property
    def executions(self) -> list[Execution]:
        return [r.execution for r in self.runs]


def plan_job(
    job: dict[str, Any],
    busy: dict[Any, bool],
    now: datetime,
    horizon: datetime,
    calendar: Calendar | None = None,
) -> tuple[list[dict[str, Any]], dict[str, Any], bool]:
    """The execution rows one due job gets now, its advance, and whether its
    unfinished runs are to be cancelled (``due.plan`` decides; with a calendar,
    windows or bounds, ``job_calendar.due`` says which occurrences are due)."""
    rules = job_calendar.rules_of(job, calendar)
    calendar_due = None
    if rules is not None:
        calendar_due = job_calendar.due(
            job,
            rules,
            job["next_run_time"],
            horizon,
            dst_rule(job),
            job["runs_made"],
        )
    pause = (
        due.Pause(job["paused_at"], job["resumed_at"])
        if job["paused_at"] and job["resumed_at"]
        else None
    )
    plan = due.plan(
        schedule=job["schedule"],
        timezone=job["timezone"],
        next_run_time=job["next_run_time"],
        last_run_time=job["last_run_time"],
        overlap_policy=job["overlap_policy"],
        busy=job["id"] in busy,
        waiting=busy.get(job["id"], False),
        now=now,
        horizon=horizon,
        catch_up=due.CatchUp(
            job["catch_up"], timedelta(seconds=job["catch_up_window_s"]), job["catch_up_max"]
        ),
        dst=dst_rule(job),
        pause=pause,
        calendar_due=calendar_due,
    )
    inserts = [
        row
        for run in plan.runs
        for row in occurrence_rows(
            job,
            run.scheduled_for,
            "schedule",
            now,
            run.skip_reason,
            wait=run.wait,
            not_before=run.start_after,
        )
    ]
    advance = {
        "id": job["id"],
        "next_run_time": plan.next_run_time,
        "last_run_time": plan.last_run_time,
        "now": now,
        "ran": sum(1 for run in plan.runs if run.skip_reason is None),
    }
    return inserts, advance, plan.cancel_previous


def schedule_due(
    store: Store,
    now: datetime,
    limit: int = 500,
    horizon: datetime | None = None,
    buckets: Sequence[int] | None = None,
) -> Scheduled:
    """Writes PENDING executions for every occurrence due by ``horizon`` (default
    ``now``; later: staged ahead, pushed to wait in Redis until their time; only for
    jobs whose overlap_policy is ``allow``) and advances the jobs, in one transaction.

    Which runs each due job gets (catch-up, coalescing, overlap) is ``due.plan``'s
    decision; under ``cancel_previous`` the job's unfinished runs are cancelled (their
    ids are returned for Redis to drop).

    One job that cannot be scheduled (its stored schedule or time zone no longer
    computes, or PostgreSQL refuses its rows) is flagged with ``schedule_error`` and
    set aside for ``SCHEDULE_ERROR_RETRY``; the other jobs are scheduled as usual.

    ``buckets``: only jobs in these buckets (a sharded tick's share,
    jobsched/domain/shards.py); None: every job.
    """
    horizon = max(horizon or now, now)
    with store.tx() as conn:
        jobs = store.schedule.due_jobs(conn, horizon, limit, buckets)
        read = len(jobs)
        # Overlap policies decide on the previous run's state at the occurrence's time
        # (cancel_previous must not cancel early): only "allow" jobs are staged ahead.
        jobs = [j for j in jobs if j["overlap_policy"] == "allow" or j["next_run_time"] <= now]
        busy = store.schedule.busy_jobs(
            conn, [j["id"] for j in jobs if j["overlap_policy"] != "allow"]
        )
        calendars = store.calendars.named(conn, {j["calendar"] for j in jobs if j["calendar"]})
        plans: list[tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any]]] = []
        cancel_for: list[Any] = []
        broken: dict[Any, str] = {}
        for job in jobs:
            try:
                row = calendars.get(job["calendar"]) if job["calendar"] else None
                calendar = job_calendar.calendar_of_row(row) if row else None
                inserts, advance, cancel = plan_job(job, busy, now, horizon, calendar)
            except Exception as exc:  # any failure of this job's data stays with it
                broken[job["id"]] = describe_error(exc)
                continue
            plans.append((job, inserts, advance))
            if cancel:
                cancel_for.append(job["id"])
        unfinished = store.schedule.unfinished_of_jobs(conn, cancel_for)
        store.schedule.cancel_executions(
            conn,
            [
                {
                    "id": row["id"],
                    "attempts": attempts.close(
                        row["attempts"], AttemptOutcome.CANCELLED, now, CANCEL_PREVIOUS
                    ),
                    "reason": CANCEL_PREVIOUS,
                    "now": now,
                }
                for row in unfinished
            ],
        )
        names = {job["id"]: job["name"] for job in jobs}
        created, refused = store.schedule.write_plans(conn, plans, names)
        broken.update(refused)
        store.schedule.flag_broken(conn, broken, now + SCHEDULE_ERROR_RETRY, now)
    # Runs due on a day without its partition (written ahead, caught up): moved into it.
    store.partitions.ensure_for([e.scheduled_for for e in created])
    caps = {str(job["id"]): job["max_concurrency"] for job in jobs}
    pending = [
        new_execution(e, caps[e.job_id])
        for e in created
        if e.status == ExecutionStatus.PENDING.value and not e.on_hold
    ]
    flagged = {str(k): v for k, v in broken.items()}
    cancelled = [str(row["id"]) for row in unfinished]
    return Scheduled(pending, flagged, cancelled, full=read == limit)
