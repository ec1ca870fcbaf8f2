"""A run whose stored attempt history or alerts no longer read as this code writes them
(edited by hand, written by another version) is shown with what still reads: the list
it is in, and the run itself, still answer for everyone."""

from __future__ import annotations

from jobsched.trigger import trigger
from tests.integration.engine import Engine

DAMAGED_ATTEMPTS = (
    '[1, "x", {"number": "one", "started_at": "not a time", "error": 5},'
    ' {"number": 2, "outcome": "SUCCEEDED"}]'
)
DAMAGED_ALERTS = (
    '[{"kind": 5}, "late", {"at": "2026-01-01T00:00:00+00:00"},'
    ' {"kind": "late_start", "at": "2026-01-01T00:00:00+00:00"}]'
)


def test_a_run_with_a_damaged_history_is_listed_with_what_still_reads(engine: Engine) -> None:
    job_id = engine.create_job(handler="test.echo")
    damaged, other = (e.id for e in trigger(engine.store, job_id, engine.clock.now(), [{}, {}]))
    with engine.store.tx() as conn:
        # As a restore or a hand edit would: past the tables' own triggers.
        conn.execute("SET LOCAL session_replication_role = replica")
        conn.execute(
            "UPDATE executions SET attempts = %s::jsonb, alerts = %s::jsonb WHERE id = %s",
            [DAMAGED_ATTEMPTS, DAMAGED_ALERTS, damaged],
        )

    listed = engine.service.list_executions({"job_id": job_id})["items"]
    assert {r["id"] for r in listed} == {damaged, other}
    shown = engine.service.get_execution(damaged)
    assert shown["attempts"] == [
        {
            "number": 3,  # its place: the stored number was not one
            "worker_id": None,
            "started_at": None,  # no longer a time
            "finished_at": None,
            "outcome": None,
            "error": "5",
        },
        {
            "number": 2,
            "worker_id": None,
            "started_at": None,
            "finished_at": None,
            "outcome": "SUCCEEDED",
            "error": None,
        },
    ]
    assert shown["alerts"] == [
        {"kind": "late_start", "at": "2026-01-01T00:00:00+00:00", "detail": ""}
    ]
