"""Runs asked for, as SQL: a trigger's job and catalog entry read together, its
idempotency key, the job's unfinished count, and the runs written; a backfill's job
and the occurrences already run. What is written is decided by the use case
(jobsched/trigger.py) with jobsched/domain/triggering.py."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from jobsched.domain.audit_record import AuditRecord
from jobsched.domain.models import Execution, Route
from jobsched.domain.states import ExecutionStatus
from jobsched.store.database import _found
from jobsched.store.execution_rows import ExecutionRows, _job_snapshot
from jobsched.store.queries import q
from jobsched.store.rows import execution_from_row

S = ExecutionStatus
COLLAPSE_AFTER = 32
"""Unfolded delta rows a job's unfinished count reads before it collapses them."""
Conn = psycopg.Connection[dict[str, Any]]


@dataclass
class TriggerReads:
    """What a trigger reads before it decides, in its transaction."""

    job: dict[str, Any]
    published: dict[str, Any] | None
    """The job's handler's catalog entry (None when it has none)."""
    earlier: list[Execution] | None
    """The runs an earlier request with the same idempotency key created (None: new)."""
    unfinished: int | None
    """The job's unfinished runs (None: no limit asked)."""


@dataclass
class UnreadTrigger:
    """What a trigger that read nothing first wrote (``Triggers.write_triggered_unread``)."""

    job: dict[str, Any]
    """The job's snapshot as the runs copied it (and its id, name and status)."""
    written: bool
    """False: a guard held (the job's status, or no room): nothing was written."""
    crowded: bool
    """The job's unfolded count deltas are many: ``collapse_unfinished`` them."""


class Triggers(ExecutionRows):
    def trigger_reads(
        self, conn: Conn, job_id: uuid.UUID, key: str | None, limit: int | None
    ) -> TriggerReads:
        """The job a trigger writes under and its handler's catalog entry; with an
        idempotency ``key``, the key's transaction-scoped advisory lock (requests with
        one key are serialised) and what an earlier request with it created; with a
        ``limit``, the job's runs lock (``lock_job_executions``) and its unfinished runs.
        Sent together: in ``pipelined_tx`` one round trip (a repeated key adds one for
        its runs)."""
        target = conn.execute(q("get_job_to_trigger"), {"id": job_id})
        first = None
        if key is not None:
            conn.execute(q("lock_trigger_key"), {"lock": f"{job_id}:{key}"})
            first = conn.execute(q("get_trigger_key"), {"job_id": job_id, "key": key})
        unfinished = None
        if limit is not None:
            self.lock_job_executions(conn, job_id)
            unfinished = self.unfinished_of_job(conn, job_id)
        job = _found(target.fetchone(), "job", "")
        published = job.pop("published")
        earlier = None
        if first is not None and (row := first.fetchone()) is not None:
            earlier = self._runs_of_key(conn, job_id, key, row["execution_ids"])
        return TriggerReads(job, published, earlier, unfinished)

    @staticmethod
    def _runs_of_key(
        conn: Conn, job_id: uuid.UUID, key: str | None, ids: list[uuid.UUID]
    ) -> list[Execution] | None:
        """An earlier request's runs; a key whose runs are gone (the job's history was
        cleaned up) is deleted, for the request to count as new."""
        rows = conn.execute(q("executions_by_ids"), {"ids": ids}).fetchall()
        if rows:
            return [execution_from_row(r) for r in rows]
        conn.execute(q("delete_trigger_key"), {"job_id": job_id, "key": key})
        return None

    @staticmethod
    def lock_job_executions(conn: Conn, job_id: uuid.UUID) -> None:
        """Serialise the job's triggers and backfills that count its unfinished runs
        (held to commit)."""
        conn.execute(q("lock_job_executions"), {"job_id": job_id})

    @staticmethod
    def unfinished_of_job(conn: Conn, job_id: uuid.UUID) -> int:
        """The job's unfinished runs, exactly, from the counters (migration 0018), under
        ``lock_job_executions``: a cost bounded whatever its runs, where counting them in
        executions read one index entry per unfinished run in every partition. Past
        ``COLLAPSE_AFTER`` unfolded deltas read, they are collapsed by a statement whose
        answer is not awaited (in ``pipelined_tx`` it goes with the write)."""
        found = conn.execute(q("count_unfinished_of_job"), {"job_id": job_id}).fetchone()
        if found["deltas"] > COLLAPSE_AFTER:
            conn.execute(q("collapse_unfinished_deltas"), {"job_id": job_id})
        return int(found["n"])

    @staticmethod
    def write_triggered(
        conn: Conn,
        job: dict[str, Any],
        ids: list[uuid.UUID],
        created: list[Execution],
        runs: Sequence[dict[str, Any]],
        key: str | None,
        now: datetime,
        entry: AuditRecord | None,
        flow_columns: dict[str, Any] | None = None,
    ) -> None:
        """A trigger's runs (``triggering.triggered_executions``, with their ``ids``), its
        idempotency key and its audit entry as one statement (``insert_triggered``),
        its answer not awaited: the ids are chosen by the caller. The job's payload is
        encoded once; the runs that do not override it share it."""
        status, queued_at = (created[0].status, created[0].queued_at) if created else (None, None)
        conn.execute(
            q("insert_triggered"),
            {
                "ids": ids,
                "scheduled_for": [e.scheduled_for for e in created],
                "priorities": [run.get("priority") for run in runs],
                "payloads": [
                    None if run.get("payload") is None else Jsonb(run["payload"]) for run in runs
                ],
                "keys": None if key is None else [e.idempotency_key for e in created],
                "flow_keys": [e.concurrency_key for e in created],
                "rate_keys": [e.rate_key for e in created],
                "rate_limit": next((e.rate_limit for e in created if e.rate_limit), None),
                "rate_period_ms": next(
                    (e.rate_period_ms for e in created if e.rate_period_ms), None
                ),
                "concurrency_limit": next(
                    (e.concurrency_limit for e in created if e.concurrency_limit), None
                ),
                "job_id": job["id"],
                "status": status,
                "queued_at": queued_at,
                **_job_snapshot(job),
                "now": now,
                "key": key,
                "batch": len(runs) > 1,
                "audit_key_id": entry.key_id if entry else None,
                "audit_action": entry.action if entry else None,
                "audit_changes": Jsonb(entry.changes) if entry else None,
                "singleton_key": None,
                "debounce_key": None,
                "debounce_until": None,
                **(flow_columns or {}),
            },
        )

    @staticmethod
    def write_triggered_unread(
        conn: Conn,
        job_id: uuid.UUID,
        ids: list[uuid.UUID],
        times: list[datetime],
        runs: Sequence[dict[str, Any]],
        status: str,
        now: datetime,
        refusing: Sequence[str],
        limit: int | None,
        entry: AuditRecord | None,
        assumed: Route | None = None,
    ) -> UnreadTrigger | None:
        """A trigger's runs written with no read before, in one statement
        (``insert_triggered_unread``; in ``statement`` it is its own transaction): the
        job's snapshot is copied in SQL, guarded by its status (none of ``refusing``)
        and, with a ``limit``, by its unfinished runs, counted under the job's runs lock
        (``lock_job_executions``). None: no such job. One run (most triggers) takes
        ``insert_triggered_one``, which binds scalars where this binds arrays, and
        writes only if the job still routes the run as ``assumed`` (if given: its queue
        item was sent already, jobsched/early_push.py)."""
        common = {
            "job_id": job_id,
            "status": status,
            "queued_at": now if status == S.QUEUED else None,
            "now": now,
            "refusing": list(refusing),
            "limit": limit,
            "audit_key_id": entry.key_id if entry else None,
            "audit_action": entry.action if entry else None,
            "audit_changes": Jsonb(entry.changes) if entry else None,
        }
        if len(ids) == 1:
            one = {
                "id": ids[0],
                "scheduled_for": times[0],
                "priority": runs[0].get("priority"),
                "assumed": assumed is not None,
                "assumed_pool": assumed.pool if assumed else None,
                "assumed_handler": assumed.handler if assumed else None,
                "assumed_priority": assumed.priority if assumed else None,
                "assumed_max_concurrency": assumed.max_concurrency if assumed else None,
            }
            row = conn.execute(q("insert_triggered_one"), common | one).fetchone()
            if row is None or row["id"] is None:
                return None
        else:
            many = {
                "ids": ids,
                "scheduled_for": times,
                "priorities": [run.get("priority") for run in runs],
                "adding": len(ids),
            }
            row = conn.execute(q("insert_triggered_unread"), common | many).fetchone()
            if row is None:
                return None
        crowded = row.pop("deltas") > COLLAPSE_AFTER
        row.pop("stale", None)  # (trigger_one's: nothing written, as for a guard)
        return UnreadTrigger(row, row.pop("written") == len(ids), crowded)

    def collapse_unfinished(self, job_id: uuid.UUID) -> None:
        """The job's unfolded count deltas collapsed, in a transaction of their own (the
        trigger that reads does it in its own: ``unfinished_of_job``)."""
        with self.tx() as conn:
            self.lock_job_executions(conn, job_id)
            conn.execute(q("collapse_unfinished_deltas"), {"job_id": job_id})

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
        """A backfill's runs (``triggering.execution_row``), as written."""
        return self.insert_executions(conn, rows, {job["id"]: job["name"]}) if rows else []
