"""Runs asked for, as SQL: a trigger's job and catalog entry read together, its
idempotency key, the job's unfinished count, and the runs written; a backfill's job
and the occurrences already run. What is written is decided by the use case
(jobsched/trigger.py) with jobsched/domain/triggering.py."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from jobsched.domain.audit_record import AuditRecord
from jobsched.domain.models import Execution
from jobsched.domain.states import ExecutionStatus
from jobsched.store import audit as audit_log
from jobsched.store.database import _found
from jobsched.store.queries import q
from jobsched.store.rows import execution_from_row
from jobsched.store.run_rows import RunRows, _job_snapshot

S = ExecutionStatus
Conn = psycopg.Connection[dict[str, Any]]


class Triggers(RunRows):
    @staticmethod
    def trigger_target(
        conn: Conn, job_id: uuid.UUID
    ) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """The job a trigger writes under and its handler's catalog entry (None when it
        has none), in one statement."""
        job = _found(conn.execute(q("get_job_to_trigger"), {"id": job_id}).fetchone(), "job", "")
        return job, job.pop("published")

    @staticmethod
    def earlier_trigger(conn: Conn, job_id: uuid.UUID, key: str) -> list[Execution] | None:
        """The runs an earlier request with this idempotency ``key`` created, or None.
        Takes the key's transaction-scoped advisory lock first (requests with one key
        are serialised); a key whose runs are gone (the job's history was cleaned up)
        is deleted, for the request to count as new."""
        conn.execute(q("lock_trigger_key"), {"lock": f"{job_id}:{key}"})
        first = conn.execute(q("get_trigger_key"), {"job_id": job_id, "key": key}).fetchone()
        if first is None:
            return None
        rows = conn.execute(q("executions_by_ids"), {"ids": first["execution_ids"]}).fetchall()
        if rows:
            return [execution_from_row(r) for r in rows]
        conn.execute(q("delete_trigger_key"), {"job_id": job_id, "key": key})
        return None

    @staticmethod
    def lock_job_runs(conn: Conn, job_id: uuid.UUID) -> None:
        """Serialise the job's triggers and backfills that count its unfinished runs
        (held to commit)."""
        conn.execute(q("lock_job_runs"), {"job_id": job_id})

    @staticmethod
    def unfinished_of_job(conn: Conn, job_id: uuid.UUID, limit: int) -> int:
        """The job's unfinished runs, counted up to ``limit`` (bounded cost)."""
        params = {"job_id": job_id, "limit": limit}
        return int(conn.execute(q("count_unfinished_of_job"), params).fetchone()["n"])

    def write_triggered(
        self,
        conn: Conn,
        job: dict[str, Any],
        ids: list[uuid.UUID],
        created: list[Execution],
        runs: Sequence[dict[str, Any]],
        key: str | None,
        now: datetime,
        entry: AuditRecord | None,
    ) -> None:
        """A trigger's runs (``triggering.triggered_runs``, with their ``ids``) as one
        INSERT, its idempotency key and its audit ``entry`` (decided by the use case
        from the same ids), in one round trip: the ids are chosen by the caller, so
        nothing waits for the INSERT's answer. The job's payload is encoded once; the
        runs that do not override it share it."""
        status, queued_at = (created[0].status, created[0].queued_at) if created else (None, None)
        with conn.pipeline():
            conn.execute(
                q("insert_triggered"),
                {
                    "ids": ids,
                    "scheduled_for": [e.scheduled_for for e in created],
                    "priorities": [run.get("priority") for run in runs],
                    "payloads": [
                        None if run.get("payload") is None else Jsonb(run["payload"])
                        for run in runs
                    ],
                    "keys": None if key is None else [e.idempotency_key for e in created],
                    "job_id": job["id"],
                    "status": status,
                    "queued_at": queued_at,
                    **_job_snapshot(job),
                    "now": now,
                },
            )
            if key is not None:
                conn.execute(
                    q("insert_trigger_key"),
                    {
                        "job_id": job["id"],
                        "key": key,
                        "ids": ids,
                        "batch": len(runs) > 1,
                        "now": now,
                    },
                )
            audit_log.record(conn, entry, now)

    @staticmethod
    def job_to_backfill(conn: Conn, job_id: uuid.UUID) -> dict[str, Any]:
        """The job, locked: two backfills of one job cannot interleave."""
        return _found(conn.execute(q("get_job_for_update"), {"id": job_id}).fetchone(), "job", "")

    @staticmethod
    def ran_occurrences(conn: Conn, job_id: uuid.UUID, times: list[datetime]) -> set[datetime]:
        """Which of these occurrences of the job have run (recorded and not SKIPPED)."""
        found = conn.execute(q("ran_occurrences"), {"job_id": job_id, "times": times})
        return {r["scheduled_for"] for r in found}

    def write_backfill(
        self,
        conn: Conn,
        job: dict[str, Any],
        rows: list[dict[str, Any]],
    ) -> list[Execution]:
        """A backfill's runs (``triggering.run_row``), as written."""
        return self.insert_executions(conn, rows, {job["id"]: job["name"]}) if rows else []
