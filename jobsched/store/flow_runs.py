"""The runs a singleton or a debounce key finds: a job's unfinished runs of a key, the
run a burst collapses into, and that run rewritten by the trigger that joins it. The
use case (jobsched/flow_trigger.py) decides; these carry it out, in its transaction."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from jobsched.domain.models import Execution
from jobsched.store.database import Repository
from jobsched.store.queries import q
from jobsched.store.rows import execution_from_row

Conn = psycopg.Connection[dict[str, Any]]


class FlowRuns(Repository):
    @staticmethod
    def lock_key(conn: Conn, job_id: uuid.UUID | str, key: str) -> None:
        """Serialise the job's triggers of one key (held to commit)."""
        conn.execute(q("lock_flow_key"), {"job_id": str(job_id), "key": key})

    @staticmethod
    def singleton_runs(conn: Conn, job_id: uuid.UUID | str, key: str) -> list[dict[str, Any]]:
        """The job's unfinished runs of a singleton key, oldest first."""
        return conn.execute(q("singleton_runs"), {"job_id": job_id, "key": key}).fetchall()

    @staticmethod
    def debounce_run(
        conn: Conn, job_id: uuid.UUID | str, key: str, now: datetime
    ) -> dict[str, Any] | None:
        """The queued, unstarted run a burst of the key collapses into (locked)."""
        params = {"job_id": job_id, "key": key, "now": now}
        return conn.execute(q("debounce_run"), params).fetchone()

    @staticmethod
    def join_debounce(
        conn: Conn, row: dict[str, Any], payload: dict[str, Any], due: datetime, now: datetime
    ) -> Execution | None:
        """The run with the joining trigger's payload and time (None: it started since)."""
        params = {"id": row["id"], "payload": Jsonb(payload), "due": due, "now": now}
        found = conn.execute(q("join_debounce"), params).fetchone()
        if found is None:
            return None
        found["job_name"] = row.get("job_name")
        return execution_from_row(found)

    def of_job(self, job_id: str, limit: int) -> list[dict[str, Any]]:
        """The job's unfinished keyed runs, per key (``flow_of_job``)."""
        with self.tx() as conn:
            return conn.execute(q("flow_of_job"), {"job_id": job_id, "limit": limit}).fetchall()
