"""Runs asked for: manual triggers (with idempotency keys) and backfills."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from jobsched.domain import audit as changes
from jobsched.domain import cron
from jobsched.domain.audit import Audit
from jobsched.domain.models import Execution, Job
from jobsched.domain.run_ids import run_id
from jobsched.domain.states import ExecutionStatus
from jobsched.errors import ConflictError, ValidationError
from jobsched.store import audit as audit_log
from jobsched.store.database import _found, parse_uuid
from jobsched.store.jobs import dst_rule
from jobsched.store.queries import q
from jobsched.store.rows import execution_from_row, job_from_row
from jobsched.store.run_rows import RunRows, _job_snapshot

S = ExecutionStatus


def run_time(run: dict[str, Any], now: datetime) -> datetime:
    """When a triggered run is due: its ``run_at``, ``delay_ms`` from now, or now (a
    time already past means now)."""
    if "run_at" in run:
        return max(run["run_at"], now)
    return now + timedelta(milliseconds=run.get("delay_ms", 0))


class Triggers(RunRows):
    def create_triggered(
        self,
        job_id: str,
        now: datetime,
        runs: Sequence[dict[str, Any]] = ({},),
        audit: Audit | None = None,
        check: Callable[[Job, dict[str, Any] | None], None] | None = None,
        key: str | None = None,
        queued: bool = False,
        max_unfinished: int | None = None,
    ) -> list[Execution]:
        """Executions for a manual trigger, in one transaction and one INSERT; each run
        may override payload and priority, and be due later (``run_at``, ``delay_ms``).

        Written PENDING for the tick's outbox to push, or with ``queued`` QUEUED (at
        ``now``) for the caller to push right after commit (``Handoff.submit``; the
        tick's repair pushes them if that push is lost).

        The job is read once, in the transaction that writes the runs, together with
        its handler's catalog entry (None when it has none): ``check`` is called with
        both first (it raises to refuse the runs, e.g. a payload its handler rejects),
        so nothing is written for a refused trigger. With an idempotency ``key``, a
        repeated request returns the runs the first one created (requests with one key
        are serialised by a transaction-scoped advisory lock). With ``max_unfinished``,
        runs that would leave the job more unfinished runs than that are refused
        (``ConflictError`` naming the limit), none written."""
        jid = parse_uuid(job_id, "job")
        with self.tx() as conn:
            row = conn.execute(q("get_job_to_trigger"), {"id": jid}).fetchone()
            job = _found(row, "job", job_id)
            published = job.pop("published")
            if key is not None:
                conn.execute(q("lock_trigger_key"), {"lock": f"{jid}:{key}"})
                first = conn.execute(q("get_trigger_key"), {"job_id": jid, "key": key}).fetchone()
                if first is not None:
                    rows = conn.execute(
                        q("executions_by_ids"), {"ids": first["execution_ids"]}
                    ).fetchall()
                    if rows:
                        return [execution_from_row(r) for r in rows]
                    # Its runs are gone (the job's history was cleaned up): a new request.
                    conn.execute(q("delete_trigger_key"), {"job_id": jid, "key": key})
            if check is not None:
                check(job_from_row(job), published)
            if job["status"] == "PAUSED":
                raise ConflictError("job is paused; resume it before triggering")
            if max_unfinished is not None:
                conn.execute(q("lock_job_runs"), {"job_id": jid})
                self._check_room(conn, jid, len(runs), max_unfinished)
            times = [run_time(run, now) for run in runs]
            ids = [run_id(when) for when in times]
            # One round trip for the writes: the runs' ids are chosen here, so the key
            # and the audit entry need not wait for the INSERT's answer.
            with conn.pipeline():
                created = self._insert_triggered(conn, job, ids, times, runs, now, key, queued)
                if key is not None:
                    conn.execute(
                        q("insert_trigger_key"),
                        {"job_id": jid, "key": key, "ids": ids, "batch": len(runs) > 1, "now": now},
                    )
                change = changes.triggered(
                    [e.id for e in created], [changes.plain(r) for r in runs]
                )
                audit_log.record(conn, audit, "job", jid, change, now)
        # Runs due on a day without its partition (far ahead): moved into its new one.
        self._partitions_for(times)
        return created

    @staticmethod
    def _insert_triggered(
        conn: psycopg.Connection[dict[str, Any]],
        job: dict[str, Any],
        ids: list[uuid.UUID],
        times: list[datetime],
        runs: Sequence[dict[str, Any]],
        now: datetime,
        key: str | None,
        queued: bool,
    ) -> list[Execution]:
        """Send a trigger's runs (ids and times chosen by the caller) as one INSERT, and return
        them as written, in the order asked for. Nothing is read back: every value is
        the job's snapshot, the run's override or a column default, all known here
        (``test_handoff.py`` compares them with the stored rows). The job's payload is
        encoded once, and the runs that do not override it share it."""
        keys = None
        if key is not None:
            keys = [key] if len(runs) == 1 else [f"{key}#{i}" for i in range(len(runs))]
        status = S.QUEUED if queued else S.PENDING
        queued_at = now if queued else None
        conn.execute(
            q("insert_triggered"),
            {
                "ids": ids,
                "scheduled_for": times,
                "priorities": [run.get("priority") for run in runs],
                "payloads": [
                    None if run.get("payload") is None else Jsonb(run["payload"]) for run in runs
                ],
                "keys": keys,
                "job_id": job["id"],
                "status": status.value,
                "queued_at": queued_at,
                **_job_snapshot(job),
                "now": now,
            },
        )
        job_id = str(job["id"])
        return [
            Execution(
                id=sid,
                job_id=job_id,
                status=status.value,
                scheduled_for=when,
                priority=job["priority"] if run.get("priority") is None else run["priority"],
                handler=job["handler"],
                payload=job["payload"] if run.get("payload") is None else run["payload"],
                source="trigger",
                max_retries=job["max_retries"],
                timeout_ms=job["timeout_ms"],
                retry_backoff_ms=job["retry_backoff_ms"],
                retry_backoff_max_ms=job["retry_backoff_max_ms"],
                queued_at=queued_at,
                created_at=now,
                updated_at=now,
                job_name=job["name"],
                idempotency_key=sid if keys is None else keys[i],
                pool=job["pool"],
                max_concurrency=job["max_concurrency"],
            )
            for i, (sid, run, when) in enumerate(zip(map(str, ids), runs, times, strict=True))
        ]

    def backfill(
        self,
        job_id: str,
        start: datetime,
        end: datetime,
        now: datetime,
        audit: Audit | None = None,
        limit: int = 500,
        max_unfinished: int | None = None,
    ) -> tuple[list[Execution], int]:
        """Runs for the occurrences of a job's schedule in ``start <= t < end`` that have
        not run (never recorded, or SKIPPED), once: a repeated backfill finds them
        written. Under any overlap policy but ``allow`` they run one at a time, oldest
        first (held back, released by the tick). Returns the runs written and how many
        occurrences in the range had run already. More than ``limit`` in the range is
        refused, naming ``end``; runs past ``max_unfinished`` (as ``create_triggered``),
        with a ``ConflictError``."""
        jid = parse_uuid(job_id, "job")
        with self.tx() as conn:
            if max_unfinished is not None:
                # Before the job row, as a trigger takes them (its insert then waits
                # for the row): the other order could deadlock with a trigger.
                conn.execute(q("lock_job_runs"), {"job_id": jid})
            # Locked: two backfills of one job cannot interleave their checks.
            job = _found(
                conn.execute(q("get_job_for_update"), {"id": jid}).fetchone(), "job", job_id
            )
            if not job["schedule"]:
                raise ConflictError("the job has no schedule to backfill")
            if job["status"] == "PAUSED":
                raise ConflictError("job is paused; resume it before backfilling")
            times, more = cron.between(
                job["schedule"], job["timezone"], start, end, limit, dst_rule(job)
            )
            if more:
                raise ValidationError(
                    {"end": f"the range holds more than {limit} occurrences; backfill less"}
                )
            ran = {
                r["scheduled_for"]
                for r in conn.execute(q("ran_occurrences"), {"job_id": jid, "times": times})
            }
            hold = job["overlap_policy"] != "allow"
            rows = [
                self._execution_row(job, t, "backfill", now, wait=hold)
                for t in times
                if t not in ran
            ]
            if max_unfinished is not None and rows:
                self._check_room(conn, jid, len(rows), max_unfinished)
            created = self._insert_executions(conn, rows, {job["id"]: job["name"]}) if rows else []
            change = {
                "executions": {"after": [e.id for e in created]},
                "range": {"after": {"start": start.isoformat(), "end": end.isoformat()}},
            }
            audit_log.record(conn, audit, "job", jid, change, now)
        self._partitions_for([e.scheduled_for for e in created])
        return created, len(times) - len(created)
