"""The tick's scheduling pass, as SQL: due jobs and the busy ones read, unfinished runs
cancelled, runs written and jobs advanced (a refused batch written job by job), broken
jobs flagged. What each due job gets is decided by the use case (jobsched/tick_plan.py)
with ``due.plan``."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from jobsched.domain.models import Execution
from jobsched.store.database import describe_error
from jobsched.store.execution_rows import ExecutionRows
from jobsched.store.queries import q

log = logging.getLogger("jobsched.store")
Conn = psycopg.Connection[dict[str, Any]]
Plan = tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any]]
"""One due job, the execution rows it gets (``triggering.execution_row``) and its advance."""


class Schedule(ExecutionRows):
    @staticmethod
    def due_jobs(
        conn: Conn, horizon: datetime, limit: int, buckets: Sequence[int] | None
    ) -> list[dict[str, Any]]:
        """Jobs due by ``horizon``, at most ``limit``, locked (SKIP LOCKED: a second tick
        takes others); ``buckets``: only jobs in these (a sharded tick's share). Each
        carries its handler's flow-control defaults as ``handler_flow`` (None: none)."""
        if buckets is None:
            jobs = conn.execute(q("due_jobs"), {"now": horizon, "limit": limit}).fetchall()
        else:
            params = {"now": horizon, "limit": limit, "buckets": list(buckets)}
            jobs = conn.execute(q("due_jobs_in_buckets"), params).fetchall()
        flows = {}
        if jobs:
            names = sorted({j["handler"] for j in jobs})
            found = conn.execute(q("handler_flows"), {"names": names})
            flows = {r["name"]: r["flow"] for r in found}
        for job in jobs:
            job["handler_flow"] = flows.get(job["handler"])
        return jobs

    @staticmethod
    def busy_jobs(conn: Conn, job_ids: list[Any]) -> dict[Any, bool]:
        """Which of these jobs have an unfinished run, and whether it waits (on hold)."""
        if not job_ids:
            return {}
        return {r["job_id"]: r["on_hold"] for r in conn.execute(q("busy_jobs"), {"ids": job_ids})}

    @staticmethod
    def unfinished_of_jobs(conn: Conn, job_ids: list[Any]) -> list[dict[str, Any]]:
        """The unfinished runs of these jobs (their ids and attempts)."""
        if not job_ids:
            return []
        return conn.execute(q("unfinished_of_jobs"), {"ids": job_ids}).fetchall()

    @staticmethod
    def cancel_executions(conn: Conn, cancels: list[dict[str, Any]]) -> None:
        """Write runs CANCELLED: each ``{"id", "attempts", "reason", "now"}``, in one
        pipelined round trip."""
        if cancels:
            params = [{**c, "attempts": Jsonb(c["attempts"])} for c in cancels]
            with conn.cursor() as cur:
                cur.executemany(q("cancel_execution"), params)

    def write_plans(
        self, conn: Conn, plans: list[Plan], names: dict[Any, str]
    ) -> tuple[list[Execution], dict[Any, str]]:
        """Write the plans' runs and advance their jobs; the runs written, and the jobs
        whose rows PostgreSQL refused (by id, why). A refused batch is written again
        job by job (savepoints), so one job's bad data does not stop the others."""
        try:
            with conn.transaction():  # a savepoint: a refused batch is retried per job
                return self._write_plans(conn, plans, names), {}
        except (psycopg.DataError, psycopg.IntegrityError):
            created: list[Execution] = []
            refused: dict[Any, str] = {}
            for plan in plans:
                try:
                    with conn.transaction():
                        created += self._write_plans(conn, [plan], names)
                except (psycopg.DataError, psycopg.IntegrityError) as exc:
                    refused[plan[0]["id"]] = describe_error(exc)
            return created, refused

    def release_held(self, now: datetime) -> int:
        """Let held-back runs go (one per job, oldest first) whose job has nothing else
        unfinished; the outbox pushes them. Returns how many."""
        with self.tx() as conn:
            return len(conn.execute(q("release_held"), {"now": now}).fetchall())

    def _write_plans(self, conn: Conn, plans: list[Plan], names: dict[Any, str]) -> list[Execution]:
        inserts = [row for _, rows, _ in plans for row in rows]
        created = self.insert_executions(conn, inserts, names) if inserts else []
        if plans:
            with conn.cursor() as cur:
                cur.executemany(q("advance_job"), [advance for _, _, advance in plans])
        return created

    @staticmethod
    def flag_broken(conn: Conn, broken: dict[Any, str], retry_at: datetime, now: datetime) -> None:
        """Note why these jobs cannot be scheduled, and set them aside until ``retry_at``."""
        if not broken:
            return
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
