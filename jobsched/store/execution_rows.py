"""Writing a job's runs (scheduled, backfilled): the pipelined INSERT of the rows
``triggering.execution_row`` made, and the job's snapshot as parameters."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from jobsched.domain.models import SNAPSHOT, Execution
from jobsched.domain.states import ExecutionStatus
from jobsched.store.database import Repository
from jobsched.store.queries import q
from jobsched.store.rows import execution_from_row

S = ExecutionStatus


def _job_snapshot(job: dict[str, Any]) -> dict[str, Any]:
    """The job's snapshot (``models.SNAPSHOT``) as parameters: its payload as JSON."""
    return {**{k: job[k] for k in SNAPSHOT}, "payload": Jsonb(job["payload"])}


class ExecutionRows(Repository):
    @staticmethod
    def insert_executions(
        conn: psycopg.Connection[dict[str, Any]],
        rows: list[dict[str, Any]],
        job_names: dict[Any, str],
    ) -> list[Execution]:
        """Insert execution rows (``triggering.execution_row``) in one pipelined round trip;
        returns those written.
        ON CONFLICT DO NOTHING: an occurrence another tick already wrote returns no row
        and is not ours to push."""
        created: list[Execution] = []
        params = [{**row, "payload": Jsonb(row["payload"])} for row in rows]
        with conn.cursor() as cur:
            cur.executemany(q("insert_execution"), params, returning=True)
            while True:
                row = cur.fetchone()
                if row is not None:
                    row["job_name"] = job_names[row["job_id"]]
                    created.append(execution_from_row(row))
                if not cur.nextset():
                    return created
