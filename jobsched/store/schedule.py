"""The tick's scheduling pass: due jobs read, their runs written, the jobs advanced."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from jobsched.domain import attempts, due
from jobsched.domain.lifecycle import SCHEDULE_ERROR_RETRY, dst_rule
from jobsched.domain.models import Execution
from jobsched.domain.states import AttemptOutcome, ExecutionStatus
from jobsched.store.database import _describe
from jobsched.store.queries import q
from jobsched.store.run_rows import RunRows

S = ExecutionStatus


log = logging.getLogger("jobsched.store")


@dataclass
class Scheduled:
    """What one scheduling pass did."""

    executions: list[Execution]
    """The PENDING executions it wrote (to be pushed)."""
    flagged: dict[str, str]
    """Jobs it could not schedule, by id, with the reason (now their schedule_error)."""
    cancelled: list[str] = field(default_factory=list)
    """Unfinished runs it cancelled (overlap_policy=cancel_previous), for Redis to drop."""
    full: bool = False
    """It read as many due jobs as its limit allowed: more may be due (a backlog)."""


class Schedule(RunRows):
    def schedule_due(
        self,
        now: datetime,
        limit: int = 500,
        horizon: datetime | None = None,
        buckets: Sequence[int] | None = None,
    ) -> Scheduled:
        """Writes PENDING executions for every occurrence due by ``horizon`` (default
        ``now``; later: staged ahead, pushed to wait in Redis until their time; only for
        jobs whose overlap_policy is ``allow``) and
        advances the jobs, in one transaction and one pipelined round trip per statement.

        Which runs each due job gets (catch-up, coalescing, overlap) is ``due.plan``'s
        decision; under ``cancel_previous`` the job's unfinished runs are cancelled here
        (their ids are returned for Redis to drop).

        One job that cannot be scheduled (its stored schedule or time zone no longer
        computes, or PostgreSQL refuses its rows) is flagged with ``schedule_error`` and
        set aside for ``SCHEDULE_ERROR_RETRY``; the other jobs are scheduled as usual.

        ``buckets``: only jobs in these buckets (a sharded tick's share,
        jobsched/domain/shards.py); None: every job.
        """
        horizon = max(horizon or now, now)
        with self.tx() as conn:
            if buckets is None:
                jobs = conn.execute(q("due_jobs"), {"now": horizon, "limit": limit}).fetchall()
            else:
                params = {"now": horizon, "limit": limit, "buckets": list(buckets)}
                jobs = conn.execute(q("due_jobs_in_buckets"), params).fetchall()
            read = len(jobs)
            # Overlap policies decide on the previous run's state at the occurrence's time
            # (cancel_previous must not cancel early): only "allow" jobs are staged ahead.
            jobs = [j for j in jobs if j["overlap_policy"] == "allow" or j["next_run_time"] <= now]
            careful = [j["id"] for j in jobs if j["overlap_policy"] != "allow"]
            busy = (
                {r["job_id"]: r["on_hold"] for r in conn.execute(q("busy_jobs"), {"ids": careful})}
                if careful
                else {}
            )
            plans: list[tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any]]] = []
            cancel_for: list[Any] = []
            broken: dict[Any, str] = {}
            for job in jobs:
                try:
                    plan = self._plan_job(job, busy, now, horizon)
                except Exception as exc:  # any failure of this job's data stays with it
                    broken[job["id"]] = _describe(exc)
                    continue
                plans.append((job, *plan[:2]))
                if plan[2]:
                    cancel_for.append(job["id"])
            names = {job["id"]: job["name"] for job in jobs}
            cancelled = self._cancel_previous(conn, cancel_for, now)
            try:
                with conn.transaction():  # a savepoint: a refused batch is retried per job
                    created = self._write_plans(conn, plans, names)
            except (psycopg.DataError, psycopg.IntegrityError):
                created = []
                for plan in plans:
                    try:
                        with conn.transaction():
                            created += self._write_plans(conn, [plan], names)
                    except (psycopg.DataError, psycopg.IntegrityError) as exc:
                        broken[plan[0]["id"]] = _describe(exc)
            self._flag_broken(conn, broken, now)
        # Runs due on a day without its partition (written ahead, caught up): moved into it.
        self._partitions_for([e.scheduled_for for e in created])
        pending = [e for e in created if e.status == S.PENDING.value and not e.on_hold]
        flagged = {str(k): v for k, v in broken.items()}
        return Scheduled(pending, flagged, cancelled, full=read == limit)

    def _plan_job(
        self, job: dict[str, Any], busy: dict[Any, bool], now: datetime, horizon: datetime
    ) -> tuple[list[dict[str, Any]], dict[str, Any], bool]:
        """The execution rows one due job gets now, its advance, and whether its
        unfinished runs are to be cancelled."""
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
        )
        inserts = [
            self._execution_row(
                job, run.scheduled_for, "schedule", now, run.skip_reason, wait=run.wait
            )
            for run in plan.runs
        ]
        advance = {
            "id": job["id"],
            "next_run_time": plan.next_run_time,
            "last_run_time": plan.last_run_time,
            "now": now,
        }
        return inserts, advance, plan.cancel_previous

    @staticmethod
    def _cancel_previous(
        conn: psycopg.Connection[dict[str, Any]], job_ids: list[Any], now: datetime
    ) -> list[str]:
        """Cancel the unfinished runs of these jobs (overlap_policy=cancel_previous)."""
        if not job_ids:
            return []
        reason = "cancelled: the next occurrence fell due (overlap_policy=cancel_previous)"
        rows = conn.execute(q("unfinished_of_jobs"), {"ids": job_ids}).fetchall()
        params = [
            {
                "id": row["id"],
                "attempts": Jsonb(
                    attempts.close(row["attempts"], AttemptOutcome.CANCELLED, now, reason)
                ),
                "reason": reason,
                "now": now,
            }
            for row in rows
        ]
        if params:
            with conn.cursor() as cur:
                cur.executemany(q("cancel_execution"), params)
        return [str(row["id"]) for row in rows]

    def release_held(self, now: datetime) -> int:
        """Let held-back runs go (one per job, oldest first) whose job has nothing else
        unfinished; the outbox pushes them. Returns how many."""
        with self.tx() as conn:
            return len(conn.execute(q("release_held"), {"now": now}).fetchall())

    def _write_plans(
        self,
        conn: psycopg.Connection[dict[str, Any]],
        plans: list[tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any]]],
        names: dict[Any, str],
    ) -> list[Execution]:
        inserts = [row for _, rows, _ in plans for row in rows]
        created = self._insert_executions(conn, inserts, names) if inserts else []
        if plans:
            with conn.cursor() as cur:
                cur.executemany(q("advance_job"), [advance for _, _, advance in plans])
        return created

    @staticmethod
    def _flag_broken(
        conn: psycopg.Connection[dict[str, Any]], broken: dict[Any, str], now: datetime
    ) -> None:
        if not broken:
            return
        retry_at = now + SCHEDULE_ERROR_RETRY
        for job_id, error in broken.items():
            log.error("job cannot be scheduled", extra={"job_id": str(job_id), "error": error})
        with conn.cursor() as cur:
            cur.executemany(
                q("flag_schedule_error"),
                [
                    {"id": job_id, "error": error, "retry_at": retry_at, "now": now}
                    for job_id, error in broken.items()
                ],
            )
