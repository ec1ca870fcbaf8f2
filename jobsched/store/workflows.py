"""Workflows, their runs, each run's steps, and the executions of those steps (issue 23;
migration 0019; SQL in ``sql/workflows.sql``).

How step executions fit the executions machinery: each is an ordinary ``executions``
row (source ``workflow``), so claims, leases, retries with backoff, timeouts, the
dead-letter queue, cancel and the executions API work on it unchanged. What a job
gives its runs (handler, payload, pool, priority, max_retries, timeout_ms, backoff) is
copied onto each row from the step, as the tick copies it from a job. The row needs a
``job_id`` (NOT NULL, and the hot paths join ``jobs``), so each workflow owns one
internal job (``jobs.workflow_id``), written with it: never due (no schedule), left out
of ``GET /jobs``, and deleted with its workflow, its runs and their executions. Each
(workflow run, step, item) has one row (``executions_workflow_step_idx``), every row of
a run written with the run's ``scheduled_for`` (the partition key the index must hold);
its idempotency key is derived from it (``workflow-run:<run>:<step>:<item>``).

The repository's steps take the use case's connection; it decides nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from jobsched.domain.execution_ids import new_execution_id
from jobsched.domain.workflow_models import Workflow, WorkflowRun, WorkflowRunStep
from jobsched.store.database import (
    DEFAULT_PAGE,
    Repository,
    StoredPage,
    _found,
    _time_key,
    parse_uuid,
)
from jobsched.store.queries import q

Conn = psycopg.Connection[dict[str, Any]]
RunState = Callable[[], tuple[list[dict[str, Any]], list[dict[str, Any]]]]
"""A run's step rows and executions, read when called (``Workflows.send_run_state``)."""

WORKFLOW_FIELDS = (
    "name",
    "description",
    "schedule",
    "timezone",
    "overlap_policy",
    "dst_gap",
    "dst_overlap",
    "catch_up",
    "catch_up_window_s",
    "catch_up_max",
    "start_jitter_ms",
    "max_start_delay_ms",
    "max_duration_ms",
)


class WorkflowNameTaken(Exception):
    """A workflow with this name exists (the use case answers the 409)."""


def workflow_from_row(row: dict[str, Any]) -> Workflow:
    return Workflow(
        id=str(row["id"]),
        version=row["version"],
        status=row["status"],
        steps=row["steps"],
        next_run_time=row["next_run_time"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        **{k: row[k] for k in WORKFLOW_FIELDS},
    )


def run_from_rows(
    row: dict[str, Any], steps: list[dict[str, Any]], ids: dict[str, list[str]]
) -> WorkflowRun:
    return WorkflowRun(
        id=str(row["id"]),
        workflow_id=str(row["workflow_id"]),
        version=row["version"],
        status=row["status"],
        input=row["input"],
        scheduled_for=row["scheduled_for"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        steps=[
            WorkflowRunStep(
                id=s["step_id"],
                status=s["status"],
                execution_ids=ids.get(s["step_id"], []),
                reason=s["reason"],
                items=len(s["items"]) if isinstance(s["items"], list) else None,
                started_at=s["started_at"],
                finished_at=s["finished_at"],
            )
            for s in steps
        ],
    )


def _values(data: dict[str, Any]) -> dict[str, Any]:
    return {**{k: data[k] for k in WORKFLOW_FIELDS}, "steps": Jsonb(data["steps"])}


class Workflows(Repository):
    # ---------------------------------------------------------- definitions

    @staticmethod
    def write_create(conn: Conn, data: dict[str, Any], now: datetime) -> dict[str, Any]:
        """The workflow and its internal job; its row (WorkflowNameTaken: the name is used)."""
        wid, job_id = uuid.uuid4(), uuid.uuid4()
        try:
            with conn.transaction():
                conn.execute(q("insert_workflow_job"), {"id": wid, "job_id": job_id, "now": now})
                params = {**_values(data), "id": wid, "job_id": job_id, "now": now}
                return conn.execute(q("insert_workflow"), params).fetchone()
        except psycopg.errors.UniqueViolation as exc:
            raise WorkflowNameTaken(data["name"]) from exc

    @staticmethod
    def for_update(conn: Conn, workflow_id: str) -> dict[str, Any]:
        wid = parse_uuid(workflow_id, "workflow")
        row = conn.execute(q("get_workflow_for_update"), {"id": wid}).fetchone()
        return _found(row, "workflow", workflow_id)

    @staticmethod
    def write_update(conn: Conn, wid: Any, data: dict[str, Any], now: datetime) -> dict[str, Any]:
        try:
            with conn.transaction():
                params = {**_values(data), "id": wid, "now": now}
                return conn.execute(q("update_workflow"), params).fetchone()
        except psycopg.errors.UniqueViolation as exc:
            raise WorkflowNameTaken(data["name"]) from exc

    @staticmethod
    def write_delete(conn: Conn, wid: Any) -> None:
        conn.execute(q("delete_workflow"), {"id": wid})

    def get(self, workflow_id: str) -> Workflow:
        wid = parse_uuid(workflow_id, "workflow")
        with self.statement() as conn:
            row = conn.execute(q("get_workflow"), {"id": wid}).fetchone()
        return workflow_from_row(_found(row, "workflow", workflow_id))

    def list(
        self, name: str | None, limit: int = DEFAULT_PAGE, after: list[Any] | None = None
    ) -> StoredPage:
        after = after or [None, None]
        params = {"name": name, "after_at": after[0], "after_id": after[1]}
        return self._paged(
            q("count_workflows"),
            q("list_workflows"),
            params,
            limit,
            _time_key,
            workflow_from_row,
        )

    # ----------------------------------------------------------------- runs

    @staticmethod
    def run_by_key(conn: Conn, workflow_id: Any, key: str) -> dict[str, Any] | None:
        conn.execute(q("lock_workflow_trigger_key"), {"lock": f"{workflow_id}:{key}"})
        return conn.execute(
            q("workflow_run_by_key"), {"workflow_id": workflow_id, "key": key}
        ).fetchone()

    @staticmethod
    def write_run(
        conn: Conn,
        workflow: dict[str, Any],
        run_input: Any,
        scheduled_for: datetime,
        key: str | None,
        now: datetime,
    ) -> dict[str, Any]:
        """A new run (PENDING, its steps WAITING); its row."""
        run = conn.execute(
            q("insert_workflow_run"),
            {
                "id": uuid.uuid4(),
                "workflow_id": workflow["id"],
                "version": workflow["version"],
                "steps": Jsonb(workflow["steps"]),
                "status": "PENDING",
                "input": Jsonb(run_input),
                "scheduled_for": scheduled_for,
                "key": key,
                "started_at": None,
                "now": now,
            },
        ).fetchone()
        ids = [s["id"] for s in workflow["steps"]]
        conn.execute(q("insert_workflow_run_steps"), {"run_id": run["id"], "ids": ids, "now": now})
        return run

    @staticmethod
    def lock_run(conn: Conn, run_id: Any) -> dict[str, Any] | None:
        """The run's row (with its workflow's internal ``job_id``, its ``overlap_policy``
        and its steps' ``handler_flows``), locked."""
        return conn.execute(q("lock_workflow_runs"), {"ids": [run_id]}).fetchone()

    @staticmethod
    def lock_runs(conn: Conn, run_ids: list[str]) -> Callable[[], dict[str, dict[str, Any]]]:
        """Lock these runs' rows, in id order (``lock_workflow_runs``); the statement is
        sent now, and what it read is returned by the function given back (each run by
        id, as ``lock_run`` reads it): in a pipelined transaction, the statements sent
        before it is called go in the same round trip."""
        cur = conn.execute(q("lock_workflow_runs"), {"ids": run_ids})
        return lambda: {str(r["id"]): r for r in cur.fetchall()}

    @staticmethod
    def run_state(
        conn: Conn, run: dict[str, Any]
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """A run's step rows (in definition order) and its executions (both statements
        sent before either is read: one round trip in a pipelined transaction)."""
        return Workflows.send_run_state(conn, run["id"], run["scheduled_for"])()

    @staticmethod
    def send_run_state(conn: Conn, run_id: Any, scheduled_for: datetime) -> RunState:
        """``run_state`` of the run with this id and ``scheduled_for``, sent now and read
        by the function given back."""
        steps = conn.execute(q("workflow_run_steps"), {"id": run_id})
        executions = conn.execute(
            q("workflow_run_executions"), {"id": run_id, "scheduled_for": scheduled_for}
        )
        return lambda: (steps.fetchall(), executions.fetchall())

    @staticmethod
    def write_steps(conn: Conn, run_id: Any, steps: list[dict[str, Any]], now: datetime) -> None:
        if steps:
            conn.execute(
                q("update_workflow_run_steps"), {"id": run_id, "steps": Jsonb(steps), "now": now}
            )

    @staticmethod
    def close_items(conn: Conn, ends: dict[tuple[str, str], int]) -> dict[tuple[str, str], int]:
        """Take ``ends`` ((run id, step id): items ended) off those running steps' open
        items; each counted step's open items left (``close_step_items``)."""
        if not ends:
            return {}
        rows = [{"run_id": r, "step_id": s, "n": n} for (r, s), n in ends.items()]
        found = conn.execute(q("close_step_items"), {"ends": Jsonb(rows)}).fetchall()
        return {(r["run_id"], r["step_id"]): r["open_items"] for r in found}

    @staticmethod
    def write_run_status(conn: Conn, run_id: Any, status: str, now: datetime) -> dict[str, Any]:
        return conn.execute(
            q("set_workflow_run_status"), {"id": run_id, "status": status, "now": now}
        ).fetchone()

    @staticmethod
    def touch(conn: Conn, run_id: Any, now: datetime) -> None:
        conn.execute(q("touch_workflow_run"), {"id": run_id, "now": now})

    @staticmethod
    def write_step_executions(
        conn: Conn,
        run: dict[str, Any],
        job_id: Any,
        rows: list[dict[str, Any]],
        round_: int,
        now: datetime,
    ) -> list[dict[str, Any]]:
        """New executions of steps, QUEUED; those written (one per (run, step, item):
        a second write of one is a no-op)."""
        return Workflows.send_step_executions(conn, run, job_id, rows, round_, now)()

    @staticmethod
    def send_step_executions(
        conn: Conn,
        run: dict[str, Any],
        job_id: Any,
        rows: list[dict[str, Any]],
        round_: int,
        now: datetime,
    ) -> Callable[[], list[dict[str, Any]]]:
        """``write_step_executions``, its answer read when the function given back is
        called: in a pipelined transaction, after the COMMIT that goes with it."""
        if not rows:
            return list
        for r in rows:
            r["id"] = str(new_execution_id(run["scheduled_for"]))
        params = {
            "rows": Jsonb(rows),
            "job_id": job_id,
            "run_id": run["id"],
            "scheduled_for": run["scheduled_for"],
            "round": round_,
            "now": now,
        }
        cur = conn.execute(q("insert_step_executions"), params)
        return cur.fetchall

    @staticmethod
    def handler_flows(conn: Conn, names: list[str]) -> dict[str, dict[str, Any]]:
        """The flow-control defaults of these handlers (those that declare any)."""
        if not names:
            return {}
        found = conn.execute(q("handler_flows"), {"names": sorted(set(names))})
        return {r["name"]: r["flow"] for r in found}

    @staticmethod
    def write_requeued_executions(
        conn: Conn, run: dict[str, Any], rows: list[dict[str, Any]], round_: int, now: datetime
    ) -> list[dict[str, Any]]:
        """Executions of a retried step run again in their own rows (``rows``' ids)."""
        if not rows:
            return []
        params = {
            "rows": Jsonb(rows),
            "scheduled_for": run["scheduled_for"],
            "round": round_,
            "now": now,
        }
        return conn.execute(q("requeue_step_executions"), params).fetchall()

    @staticmethod
    def unfinished_executions(conn: Conn, run: dict[str, Any]) -> list[dict[str, Any]]:
        return conn.execute(
            q("unfinished_step_executions"),
            {"id": run["id"], "scheduled_for": run["scheduled_for"]},
        ).fetchall()

    def lagging(
        self, before: datetime, long_before: datetime, now: datetime, limit: int
    ) -> list[str]:
        """Unfinished runs not advanced since ``before`` with an end or their time to
        advance on, or not advanced since ``long_before``; oldest first."""
        params = {"before": before, "long_before": long_before, "now": now, "limit": limit}
        with self.statement() as conn:
            rows = conn.execute(q("lagging_workflow_runs"), params).fetchall()
        return [str(r["id"]) for r in rows]

    # ---------------------------------------------------------- occurrences

    @staticmethod
    def write_next_run(conn: Conn, wid: Any, next_run_time: datetime | None) -> None:
        conn.execute(q("set_workflow_next_run"), {"id": wid, "next_run_time": next_run_time})

    @staticmethod
    def write_status(
        conn: Conn, wid: Any, status: str, next_run_time: datetime | None, now: datetime
    ) -> dict[str, Any]:
        params = {"id": wid, "status": status, "next_run_time": next_run_time, "now": now}
        return conn.execute(q("set_workflow_status"), params).fetchone()

    @staticmethod
    def due(conn: Conn, now: datetime, limit: int) -> list[dict[str, Any]]:
        """Scheduled workflows whose next occurrence has come, locked (``due_workflows``)."""
        return conn.execute(q("due_workflows"), {"now": now, "limit": limit}).fetchall()

    @staticmethod
    def unfinished_runs(conn: Conn, workflow_ids: list[Any]) -> list[dict[str, Any]]:
        if not workflow_ids:
            return []
        return conn.execute(q("unfinished_workflow_runs"), {"ids": workflow_ids}).fetchall()

    @staticmethod
    def write_occurrence_run(
        conn: Conn, workflow: dict[str, Any], scheduled_for: datetime, source: str, now: datetime
    ) -> dict[str, Any] | None:
        """The run of one occurrence (PENDING, its steps WAITING); None: it has one."""
        run = conn.execute(
            q("insert_occurrence_run"),
            {
                "id": uuid.uuid4(),
                "workflow_id": workflow["id"],
                "version": workflow["version"],
                "steps": Jsonb(workflow["steps"]),
                "scheduled_for": scheduled_for,
                "source": source,
                "key": f"occurrence:{scheduled_for.isoformat()}",
                "now": now,
            },
        ).fetchone()
        if run is not None:
            ids = [s["id"] for s in workflow["steps"]]
            conn.execute(
                q("insert_workflow_run_steps"), {"run_id": run["id"], "ids": ids, "now": now}
            )
        return run

    @staticmethod
    def waits_its_turn(conn: Conn, run: dict[str, Any]) -> bool:
        """An unfinished run of the workflow is due before this one."""
        params = {k: run[k] for k in ("workflow_id", "scheduled_for", "id")}
        return bool(conn.execute(q("earlier_unfinished_run"), params).fetchone()["waits"])

    @staticmethod
    def next_held(conn: Conn, run: dict[str, Any], now: datetime) -> Any | None:
        row = conn.execute(
            q("next_held_run"), {"workflow_id": run["workflow_id"], "now": now}
        ).fetchone()
        return row["id"] if row else None

    def occurrence_rows(
        self, workflow_id: str, since: datetime, until: datetime, limit: int
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """A workflow's row and the runs of its occurrences in the range (the ledger)."""
        wid = parse_uuid(workflow_id, "workflow")
        with self.tx() as conn:
            row = conn.execute(q("get_workflow"), {"id": wid}).fetchone()
            found = _found(row, "workflow", workflow_id)
            params = {"id": wid, "since": since, "until": until, "limit": limit}
            return found, conn.execute(q("occurrence_runs"), params).fetchall()

    # ---------------------------------------------------------------- reads

    def run_counts(self) -> dict[str, int]:
        """Workflow runs by status (/metrics)."""
        with self.statement() as conn:
            return {r["status"]: r["n"] for r in conn.execute(q("workflow_run_counts"))}

    def _runs(self, conn: Conn, rows: list[dict[str, Any]]) -> list[WorkflowRun]:
        if not rows:
            return []
        ids = [r["id"] for r in rows]
        found = conn.execute(q("step_execution_ids"), {"ids": ids}).fetchall()
        by_run: dict[Any, dict[str, list[str]]] = {}
        for f in found:
            by_run.setdefault(f["workflow_run_id"], {})[f["step_id"]] = [str(i) for i in f["ids"]]
        steps: dict[Any, list[dict[str, Any]]] = {}
        for s in conn.execute(q("steps_of_workflow_runs"), {"ids": ids}).fetchall():
            steps.setdefault(s["workflow_run_id"], []).append(s)
        return [run_from_rows(r, steps.get(r["id"], []), by_run.get(r["id"], {})) for r in rows]

    def get_run(self, run_id: str) -> WorkflowRun:
        rid = parse_uuid(run_id, "workflow run")
        with self.tx() as conn:
            row = conn.execute(q("get_workflow_run"), {"id": rid}).fetchone()
            return self._runs(conn, [_found(row, "workflow run", run_id)])[0]

    def runs_of(
        self,
        workflow_id: str,
        status: str | None,
        limit: int = DEFAULT_PAGE,
        after: list[Any] | None = None,
    ) -> StoredPage:
        wid = parse_uuid(workflow_id, "workflow")
        after = after or [None, None]
        params = {"workflow_id": wid, "status": status, "after_at": after[0], "after_id": after[1]}
        with self.tx() as conn:
            _found(conn.execute(q("get_workflow"), {"id": wid}).fetchone(), "workflow", workflow_id)
            total = conn.execute(q("count_workflow_runs"), params).fetchone()["n"]
            rows = conn.execute(q("list_workflow_runs"), {**params, "limit": limit + 1}).fetchall()
            runs = self._runs(conn, rows[:limit])
        keys = [_time_key(r) for r in rows[:limit]]
        return StoredPage(runs, keys, len(rows) > limit, total)


__all__ = ["WorkflowNameTaken", "Workflows", "run_from_rows", "workflow_from_row"]
