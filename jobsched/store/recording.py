"""The parameters of ``record_executions``: the writes a worker decided
(jobsched/domain/recording.py), as one statement's JSON."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from psycopg.types.json import Jsonb

from jobsched.domain.execution_writes import Write


def _plain(value: Any) -> Any:
    """A value as JSON has it (times as ISO text, ids as text)."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


TIME_VALUES = ("queued_at", "started_at", "finished_at", "next_attempt_at")
"""The values of a write that are times (datetime or None); the others are JSON already,
but for ``result``, what a handler returned."""


def params(writes: list[Write], now: datetime) -> dict[str, Any]:
    """The parameters of ``record_executions`` for these writes: the rows, dead-letter
    entries and notifications as JSON documents."""
    # Rows of a batch share most of their times (``now``, a claim's start), and
    # isoformat is the costliest step of a row: each time object is formatted once.
    # Keyed by identity, as equal instants in other offsets have other texts.
    texts: dict[int, str] = {}
    rows = []
    for w in writes:
        row = dict(w.values)
        for k in TIME_VALUES:
            t = row[k]
            if t is not None:
                text = texts.get(id(t))
                if text is None:
                    text = texts[id(t)] = t.isoformat()
                row[k] = text
        row["result"] = _plain(row["result"])
        held_row = w.held.row
        row["id"] = w.held.id
        row["scheduled_for"] = held_row["scheduled_for"].isoformat()
        row["expect_attempt"] = held_row["attempt"]
        row["expect_token"] = held_row["lease_token"]
        rows.append(row)
    dead = [
        {"id": w.held.id, "reason": w.dead_letter[0], "error": w.dead_letter[1]}
        for w in writes
        if w.dead_letter is not None
    ]
    notices = [
        {"execution_id": w.held.id, "job_id": str(w.held.row["job_id"]), "kind": k, "body": b}
        for w in writes
        for k, b in w.notices
    ]
    return {"now": now, "rows": Jsonb(rows), "dead": Jsonb(dead), "notices": Jsonb(notices)}
