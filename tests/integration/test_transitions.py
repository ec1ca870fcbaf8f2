"""The execution state machine, enforced by PostgreSQL itself.

Every status-changing statement is run against a row in every status; the database
must move it exactly when ``TRANSITIONS`` allows, and every allowed move must be
made by some statement. A hand-edited guard that drifts from the table fails here.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from importlib import resources
from typing import Any

import pytest
from psycopg.types.json import Jsonb

from jobsched.domain.states import TRANSITIONS, ExecutionStatus, allowed
from jobsched.store.queries import q

E = ExecutionStatus


def _one(id_: uuid.UUID, now: Any) -> dict[str, Any]:
    return {"id": id_, "now": now}


def _many(id_: uuid.UUID, now: Any) -> dict[str, Any]:
    return {"ids": [id_], "now": now}


def _record(status: E) -> Callable[[uuid.UUID, Any], dict[str, Any]]:
    """record_executions writing one row (as inserted by _row_in: attempt 0, token t1)."""

    def params(id_: uuid.UUID, now: Any) -> dict[str, Any]:
        at = now.isoformat()
        row = {
            "id": str(id_),
            "scheduled_for": at,
            "expect_attempt": 0,
            "expect_token": "t1",
            "status": status.value,
            "attempt": 1,
            "attempt_base": 0,
            "worker_id": "w",
            "token": "t2",
            "queued_at": at,
            "started_at": at,
            "finished_at": at,
            "result": None,
            "error": None,
            "next_attempt_at": None,
            "attempts": [],
            "alerts": [],
        }
        return {"now": now, "rows": Jsonb([row]), "dead": Jsonb([]), "notices": Jsonb([])}

    return params


# (named query, the status it sets, its parameters)
STATEMENTS: list[tuple[str, E, Callable[[uuid.UUID, Any], dict[str, Any]]]] = [
    ("mark_queued", E.QUEUED, _many),
    ("mark_promoted", E.QUEUED, _many),
    *[
        ("record_executions", s, _record(s))
        for s in (E.RUNNING, E.SUCCEEDED, E.RETRYING, E.FAILED, E.CANCELLED, E.QUEUED)
    ],
    (
        "cancel_execution",
        E.CANCELLED,
        lambda i, n: {**_one(i, n), "attempts": Jsonb([]), "reason": "cancelled"},
    ),
    ("requeue_execution", E.PENDING, _one),
]


def _row_in(store, engine, status: E) -> uuid.UUID:
    job_id = engine.create_job()
    eid = uuid.uuid4()
    now = engine.clock.now()
    with store.tx() as conn:
        conn.execute(
            """INSERT INTO executions (id, job_id, source, status, scheduled_for, priority,
                   handler, payload, max_retries, timeout_ms, retry_backoff_ms,
                   retry_backoff_max_ms, lease_token, created_at, updated_at)
               VALUES (%s, %s, 'trigger', %s, %s, 50, 'test.echo', '{}', 3, 1000, 0, 0,
                       't1', %s, %s)""",
            (eid, job_id, status.value, now, now, now),
        )
    return eid


def _status(store, eid: uuid.UUID) -> str:
    with store.tx() as conn:
        return conn.execute("SELECT status FROM executions WHERE id = %s", (eid,)).fetchone()[
            "status"
        ]


@pytest.mark.parametrize("source", list(E), ids=str)
def test_every_statement_moves_a_row_exactly_when_the_table_allows(store, engine, source) -> None:
    made: set[E] = set()
    for name, target, params in STATEMENTS:
        eid = _row_in(store, engine, source)
        with store.tx() as conn:
            moved = conn.execute(q(name), params(eid, engine.clock.now())).rowcount == 1
        if moved:
            assert allowed(source, target), f"{name} moved {source} -> {target}"
            assert _status(store, eid) == target.value
            made.add(target)
        else:
            assert _status(store, eid) == source.value
    assert made == set(TRANSITIONS[source]), f"from {source}: made {made}"


def test_every_status_update_in_the_sql_is_guarded_by_the_table() -> None:
    raw = (resources.files("jobsched.store") / "sql" / "queries.sql").read_text()
    bodies = re.split(r"^-- name: (\w+)\s*$", raw, flags=re.MULTILINE)
    named = dict(zip(bodies[1::2], bodies[2::2], strict=True))
    setters = {
        name: body
        for name, body in named.items()
        # status assigned in the SET list (a status compared in WHERE sets nothing)
        if re.search(r"UPDATE executions(\s+e)?\s+SET\s(?:(?!\bWHERE\b)[^;])*\bstatus\s*=", body)
    }
    assert {name for name, _, _ in STATEMENTS} == set(setters)
    for name, body in setters.items():
        new_status = re.search(r"SET[^;]*?\bstatus\s*=\s*('[A-Z]+'|%\(status\)s|v\.status)", body)
        assert new_status, name
        if new_status.group(1) == "v.status":  # one new status per row: the pairs as text
            guard = r"\(e\.status \|\| '>' \|\| v\.status\) = ANY\(:transition_names\)"
            assert re.search(guard, body), name
            continue
        guard = re.escape(f"(status, {new_status.group(1)}")
        assert re.search(guard + r"(::text)?\) IN :transitions", body), name


def test_the_database_refuses_a_cancelled_run_going_straight_back_to_queued(store, engine) -> None:
    """The table in the old code said FAILED/CANCELLED -> QUEUED; a retry writes PENDING."""
    eid = _row_in(store, engine, E.CANCELLED)
    with store.tx() as conn:
        conn.execute(q("record_executions"), _record(E.QUEUED)(eid, engine.clock.now()))
    assert _status(store, eid) == "CANCELLED"
