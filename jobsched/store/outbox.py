"""The outbox between PostgreSQL and Redis: runs written but not pushed, marked
queued or promoted, and the unfinished runs Redis should hold."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from jobsched.domain.models import QueueItem
from jobsched.store.database import Repository
from jobsched.store.queries import q
from jobsched.store.rows import queue_item


class Outbox(Repository):
    def pending(self, limit: int = 1000) -> list[tuple[QueueItem, datetime]]:
        """Executions written but not yet pushed (the outbox), with when each is due."""
        with self.tx() as conn:
            rows = conn.execute(q("pending_executions"), {"limit": limit}).fetchall()
        return [(queue_item(r), r["due"]) for r in rows]

    def mark_queued(self, ids: Sequence[str], now: datetime) -> None:
        if ids:
            with self.tx() as conn:
                conn.execute(q("mark_queued"), {"ids": [uuid.UUID(i) for i in ids], "now": now})

    def mark_promoted(self, ids: Sequence[str], now: datetime) -> None:
        if ids:
            with self.tx() as conn:
                conn.execute(q("mark_promoted"), {"ids": [uuid.UUID(i) for i in ids], "now": now})

    def queued_between(self, since: datetime, until: datetime) -> list[dict[str, Any]]:
        """Runs written QUEUED (by a trigger, ``queued=True``) in ``since <=
        created_at < until``, shaped as ``unfinished`` returns them: those a writer
        that crashed between commit and push left for the tick's repair."""
        with self.tx() as conn:
            rows = conn.execute(q("queued_between"), {"since": since, "until": until}).fetchall()
        return [{**r, "id": str(r["id"])} for r in rows]

    def unfinished(
        self,
        ids: Sequence[str] | None = None,
        *,
        after: tuple[datetime, str] | None = None,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        """Executions Redis should hold (all, or those among ``ids``): for rebuilding
        the queue after Redis lost it, and for the periodic reconcile. With ``limit``,
        one keyset page of them in (created_at, id) order, after ``after`` (the last
        row's ``created_at`` and ``id`` of the page before; None: the first page)."""
        with self.tx() as conn:
            if limit is not None:
                at, eid = after or (None, None)
                params = {
                    "after_at": "-infinity" if at is None else at,
                    "after_id": eid or uuid.UUID(int=0),
                    "limit": limit,
                }
                rows = conn.execute(q("unfinished_executions_page"), params).fetchall()
            elif ids is None:
                rows = conn.execute(q("unfinished_executions")).fetchall()
            else:
                among = {"ids": [uuid.UUID(i) for i in ids]}
                rows = conn.execute(q("unfinished_executions_among"), among).fetchall()
        return [{**r, "id": str(r["id"])} for r in rows]
