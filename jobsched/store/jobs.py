"""Jobs: create, read, list, edit, pause/resume, delete, and a job's occurrence ledger."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from jobsched.domain.models import Job, StatusChange
from jobsched.store.database import DEFAULT_PAGE, Repository, StoredPage, _found, parse_uuid
from jobsched.store.queries import q
from jobsched.store.rows import job_from_row


@dataclass(frozen=True)
class JobSort:
    """One sort of GET /jobs: its column and direction. Ties are broken by id in the
    same direction, so (column, id) is the page key."""

    column: str
    descending: bool
    nullable: bool = False  # NULLS LAST (next_run_time of an unscheduled job)

    def order(self) -> sql.Composable:
        way = sql.SQL("DESC" if self.descending else "ASC")
        nulls = sql.SQL(" NULLS LAST" if self.nullable else "")
        return sql.SQL("{col} {way}{nulls}, id {way}").format(
            col=sql.Identifier(self.column), way=way, nulls=nulls
        )

    def after(self, value: Any) -> sql.Composable:
        """Rows after a cursor whose sort value is ``value`` (%(after_value)s)."""
        col, op = sql.Identifier(self.column), sql.SQL("<" if self.descending else ">")
        if value is None:  # the cursor is within the NULLS LAST tail
            return sql.SQL("({col} IS NULL AND id {op} %(after_id)s)").format(col=col, op=op)
        tail = sql.SQL(" OR {col} IS NULL").format(col=col) if self.nullable else sql.SQL("")
        return sql.SQL("(({col}, id) {op} (%(after_value)s, %(after_id)s){tail})").format(
            col=col, op=op, tail=tail
        )


JOB_SORTS = {
    "name": JobSort("name", False),
    "-name": JobSort("name", True),
    "created_at": JobSort("created_at", False),
    "-created_at": JobSort("created_at", True),
    "next_run_time": JobSort("next_run_time", False, nullable=True),
    "-next_run_time": JobSort("next_run_time", True, nullable=True),
    "priority": JobSort("priority", False),
    "-priority": JobSort("priority", True),
}


Conn = psycopg.Connection[dict[str, Any]]


def _json_fields(data: dict[str, Any]) -> dict[str, Any]:
    """The calendar fields stored as JSON (None stays NULL)."""
    fields = ("business_day_rule", "windows", "blackouts")
    return {k: None if data.get(k) is None else Jsonb(data[k]) for k in fields}


class NameTaken(Exception):
    """Another job has this name (the unique index said so); the use case decides what
    the caller is told (``job_life``: a 409 naming the field)."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


FLOW_COLUMNS = ("concurrency", "rate", "debounce", "singleton", "spread")


def _controls(data: dict[str, Any]) -> dict[str, Any]:
    """A job's flow controls as parameters: JSON, or NULL for none."""
    return {k: Jsonb(data[k]) if data.get(k) else None for k in FLOW_COLUMNS}


class Jobs(Repository):
    @staticmethod
    def write_insert(
        conn: Conn, data: dict[str, Any], next_run: datetime | None, now: datetime
    ) -> dict[str, Any]:
        """Write a validated job, due first at ``next_run`` (``lifecycle.first_run``);
        the row as written (its id, defaults and notify secret). A name taken raises
        ``NameTaken``."""
        params = {**data, "id": uuid.uuid4(), "payload": Jsonb(data["payload"]), "now": now}
        params.update(_json_fields(data))
        params.update(_controls(data))
        params["next_run_time"] = next_run
        # Every job has its own secret: notifications to its notify_url are signed with it.
        params["notify_secret"] = secrets.token_urlsafe(32)
        try:
            return conn.execute(q("insert_job"), params).fetchone()
        except psycopg.errors.UniqueViolation:
            raise NameTaken(data["name"]) from None

    def get(self, job_id: str) -> Job:
        with self.tx() as conn:
            row = _found(
                conn.execute(q("get_job"), {"id": parse_uuid(job_id, "job")}).fetchone(),
                "job",
                job_id,
            )
        return job_from_row(row)

    def list(
        self,
        status: str | None = None,
        handler: str | None = None,
        name: str | None = None,
        sort: str = "created_at",
        limit: int = DEFAULT_PAGE,
        after: list[Any] | None = None,
    ) -> StoredPage:
        """A page of jobs in ``sort`` order (one of ``JOB_SORTS``), after the position
        ``after`` ((sort value, id) of the last job of the page before)."""
        spec = JOB_SORTS[sort]
        key = after
        params = {"status": status, "handler": handler, "name": name}
        after: sql.Composable = sql.SQL("TRUE")
        if key is not None:
            params.update(after_value=key[0], after_id=key[1])
            after = spec.after(key[0])
        select = sql.SQL(q("list_jobs")).format(order=spec.order(), after=after)

        def key_of(row: dict[str, Any]) -> list[Any]:
            return [row[spec.column], row["id"]]

        return self._paged(q("count_jobs"), select, params, limit, key_of, job_from_row)

    @staticmethod
    def for_update(conn: Conn, job_id: uuid.UUID) -> dict[str, Any]:
        """The job's row, locked to the end of the caller's transaction."""
        return _found(conn.execute(q("get_job_for_update"), {"id": job_id}).fetchone(), "job", "")

    @staticmethod
    def write_update(
        conn: Conn,
        current: dict[str, Any],
        data: dict[str, Any],
        next_run: datetime | None,
        now: datetime,
    ) -> dict[str, Any]:
        """Write an edit of ``current`` (read by ``for_update``); the row as written."""
        jid = current["id"]
        params = {**data, "id": jid, "payload": Jsonb(data["payload"]), "now": now}
        params.update(_json_fields(data))
        params.update(_controls(data))
        params["notify_secret"] = secrets.token_urlsafe(32)  # only if it had none
        # The new schedule validated and computed: any earlier flag is stale.
        params.update(next_run_time=next_run, schedule_error=None)
        try:
            row = conn.execute(q("update_job"), params).fetchone()
        except psycopg.errors.UniqueViolation:
            raise NameTaken(data["name"]) from None
        return row

    def unfinished_execution_ids(self, job_id: str) -> list[str]:
        """The ids of a job's unfinished runs (through executions_job_unfinished_idx;
        at most MAX_UNFINISHED_RUNS_PER_JOB of them, plus its scheduled ones)."""
        jid = parse_uuid(job_id, "job")
        with self.statement() as conn:
            rows = conn.execute(q("unfinished_execution_ids_of_job"), {"job_id": jid})
            return [str(r["id"]) for r in rows]

    @staticmethod
    def write_delete(conn: Conn, job_id: uuid.UUID) -> list[str]:
        """Delete the job (read by ``for_update``) and its history; returns the ids of
        its unfinished runs, read before."""
        ids = [
            str(r["id"])
            for r in conn.execute(q("unfinished_execution_ids_of_job"), {"job_id": job_id})
        ]
        conn.execute(q("delete_job"), {"id": job_id})
        return ids

    @staticmethod
    def write_status(
        conn: Conn,
        current: dict[str, Any],
        status: str,
        change: StatusChange,
        now: datetime,
    ) -> dict[str, Any]:
        """Write a pause or a resume of ``current`` (read by ``for_update``) as
        ``lifecycle.status_change`` decided it; the row."""
        params = {
            "id": current["id"],
            "status": status,
            "next_run_time": change.next_run_time,
            "schedule_error": change.schedule_error,
            "now": now,
            "paused_at": change.paused_at,
            "resumed_at": change.resumed_at,
        }
        return conn.execute(q("set_job_status"), params).fetchone()

    def occurrence_rows(
        self, job_id: str, since: datetime, until: datetime, limit: int
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """A job's row and its runs scheduled in ``since <= t < until`` (at most
        ``limit``), in one transaction."""
        with self.tx() as conn:
            job = _found(
                conn.execute(q("get_job"), {"id": parse_uuid(job_id, "job")}).fetchone(),
                "job",
                job_id,
            )
            rows = conn.execute(
                q("occurrence_rows"),
                {"job_id": job["id"], "since": since, "until": until, "limit": limit},
            ).fetchall()
        return job, rows
