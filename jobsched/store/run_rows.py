"""Writing a job's runs (scheduled, backfilled, triggered): the row of one run, the
pipelined INSERT, and the per-job room check."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from jobsched.domain.models import Execution, occurrence_key
from jobsched.domain.run_ids import run_id
from jobsched.domain.states import ExecutionStatus
from jobsched.domain.triggering import start_after
from jobsched.store.partitions import Partitions
from jobsched.store.queries import q
from jobsched.store.rows import execution_from_row

S = ExecutionStatus


def _job_snapshot(job: dict[str, Any]) -> dict[str, Any]:
    """What a run copies of its job when it is written (later edits of the job do not
    change runs already written)."""
    return {
        "priority": job["priority"],
        "handler": job["handler"],
        "payload": Jsonb(job["payload"]),
        "max_retries": job["max_retries"],
        "timeout_ms": job["timeout_ms"],
        "retry_backoff_ms": job["retry_backoff_ms"],
        "retry_backoff_max_ms": job["retry_backoff_max_ms"],
        "pool": job["pool"],
        "max_concurrency": job["max_concurrency"],
    }


class RunRows(Partitions):
    @staticmethod
    def insert_executions(
        conn: psycopg.Connection[dict[str, Any]],
        rows: list[dict[str, Any]],
        job_names: dict[Any, str],
    ) -> list[Execution]:
        """Insert execution rows in one pipelined round trip; returns those written.
        ON CONFLICT DO NOTHING: an occurrence another tick already wrote returns no row
        and is not ours to push."""
        created: list[Execution] = []
        with conn.cursor() as cur:
            cur.executemany(q("insert_execution"), rows, returning=True)
            while True:
                row = cur.fetchone()
                if row is not None:
                    row["job_name"] = job_names[row["job_id"]]
                    created.append(execution_from_row(row))
                if not cur.nextset():
                    return created

    @staticmethod
    def execution_row(
        job: dict[str, Any],
        scheduled_for: datetime,
        source: str,
        now: datetime,
        skip_reason: str | None = None,
        wait: bool = False,
    ) -> dict[str, Any]:
        """Parameters of ``insert_execution``: a snapshot of the job for one scheduled
        or backfilled run (a trigger's runs are written by ``insert_triggered``)."""
        eid = run_id(scheduled_for)
        return {
            "id": eid,
            "idempotency_key": occurrence_key(str(job["id"]), scheduled_for),
            "on_hold": wait,
            "start_after": start_after(eid, scheduled_for, job.get("start_jitter_ms", 0)),
            "job_id": job["id"],
            "source": source,
            "status": S.SKIPPED.value if skip_reason else S.PENDING.value,
            "scheduled_for": scheduled_for,
            **_job_snapshot(job),
            "error": skip_reason,
            "finished_at": now if skip_reason else None,
            "now": now,
        }
