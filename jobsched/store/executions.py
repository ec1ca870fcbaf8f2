"""Executions as the API reads and changes them: get, list, cancel, requeue."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from jobsched.domain.models import Execution
from jobsched.store.database import (
    DEFAULT_PAGE,
    Repository,
    StoredPage,
    _found,
    _time_key,
    parse_uuid,
)
from jobsched.store.queries import q
from jobsched.store.rows import execution_from_row

Conn = psycopg.Connection[dict[str, Any]]


class Executions(Repository):
    def get(self, execution_id: str) -> Execution:
        eid = parse_uuid(execution_id, "execution")
        with self.tx() as conn:
            row = _found(
                conn.execute(q("get_execution"), {"id": eid}).fetchone(), "execution", execution_id
            )
        return execution_from_row(row)

    def list(
        self,
        job_id: str | None = None,
        status: str | None = None,
        handler: str | None = None,
        limit: int = DEFAULT_PAGE,
        after: list[Any] | None = None,
    ) -> StoredPage:
        """Newest first, after the position ``after`` ((created_at, id))."""
        jid = parse_uuid(job_id, "job") if job_id else None
        after = after or [None, None]
        params = {
            "job_id": jid,
            "status": status,
            "handler": handler,
            "after_at": after[0],
            "after_id": after[1],
        }
        # Totals come from the counters: the status ones when no job or handler is named.
        count = "count_executions_by_status" if jid is None and handler is None else None
        return self._paged(
            q(count or "count_executions"),
            q("list_executions"),
            params,
            limit,
            _time_key,
            execution_from_row,
        )

    @staticmethod
    def for_update(conn: Conn, execution_id: uuid.UUID) -> dict[str, Any]:
        """The run's row, locked to the end of the caller's transaction."""
        row = conn.execute(q("get_execution_for_update"), {"id": execution_id}).fetchone()
        return _found(row, "execution", "")

    @staticmethod
    def write_cancel(
        conn: Conn,
        row: dict[str, Any],
        history: list[dict[str, Any]],
        now: datetime,
        reason: str = "cancelled",
    ) -> None:
        """Write a run CANCELLED (``row`` read by ``for_update``) with its attempts as
        closed, ``reason`` its error (unless it has one)."""
        conn.execute(
            q("cancel_execution"),
            {"id": row["id"], "attempts": Jsonb(history), "reason": reason, "now": now},
        )

    def running_to_close(self, limit: int) -> list[dict[str, Any]]:
        """RUNNING runs of jobs with ``on_window_close = 'cancel'``, each with its job's
        windows, blackouts, zone and calendar (as ``waiting_window`` reads them)."""
        with self.statement() as conn:
            return conn.execute(q("running_to_close"), {"limit": limit}).fetchall()

    @staticmethod
    def write_requeue(conn: Conn, row: dict[str, Any], now: datetime) -> uuid.UUID | None:
        """Write a run back to PENDING (``row`` read by ``for_update``) and delete its
        dead-letter entry; the id of the entry deleted (None: it had none)."""
        conn.execute(q("requeue_execution"), {"id": row["id"], "now": now})
        entry = conn.execute(q("delete_dead_letter_of_execution"), {"id": row["id"]}).fetchone()
        return None if entry is None else entry["id"]
