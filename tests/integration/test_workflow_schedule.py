"""Scheduled workflows over HTTP (issue 23): the tick gives a workflow one run per
occurrence of its schedule (a duplicate tick makes none), pause and resume, backfill
over a range (each occurrence one run, once; one at a time unless overlap_policy is
allow), the occurrence ledger, and the audit log of each."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from tests.integration import test_api
from tests.integration.engine import Engine
from tests.integration.test_api import Api

api = test_api.api  # the same in-process API fixture

ENDED = ("SUCCEEDED", "FAILED", "CANCELLED")
NIGHT_7, NIGHT_8, NIGHT_9 = (datetime(2026, 12, d, 2, 0, tzinfo=UTC) for d in (7, 8, 9))


def _workflow(api: Api, **more: Any) -> dict[str, Any]:
    body = {
        "name": "hourly",
        "steps": [
            {"id": "a", "handler": "test.echo"},
            {"id": "b", "handler": "test.echo", "after": ["a"]},
        ],
        "schedule": "0 * * * *",
        **more,
    }
    return api.ok("POST", "/workflows", body, 201)


def _runs(api: Api, wf: dict[str, Any]) -> list[dict[str, Any]]:
    return api.ok("GET", f"/workflows/{wf['id']}/runs?limit=100")["items"]


def _all_ended(api: Api, engine: Engine, wf: dict[str, Any], n: int) -> list[dict[str, Any]]:
    def ended() -> Any:
        runs = _runs(api, wf)
        if len(runs) == n and all(r["status"] in ENDED for r in runs):
            return runs
        engine.clock.advance(seconds=1)  # held runs wait for their turn on the clock
        return None

    return engine.run_until(ended, timeout=30)


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _hour(engine: Engine) -> datetime:
    return engine.clock.now().replace(minute=0, second=0, microsecond=0)


def test_a_backfill_of_5_occurrences_makes_5_runs_and_repeating_it_makes_none(api, engine):
    wf = _workflow(api)
    hour = _hour(engine)
    span = {"start": (hour - timedelta(hours=5)).isoformat(), "end": hour.isoformat()}
    first = api.ok("POST", f"/workflows/{wf['id']}/backfill", span, 202)
    assert (first["total"], first["existing"]) == (5, 0)
    runs = _all_ended(api, engine, wf, 5)
    assert sorted(_at(r["scheduled_for"]) for r in runs) == [
        hour - timedelta(hours=h) for h in range(5, 0, -1)
    ]
    assert {r["status"] for r in runs} == {"SUCCEEDED"}
    again = api.ok("POST", f"/workflows/{wf['id']}/backfill", span, 202)
    assert (again["total"], again["existing"]) == (0, 5)
    assert len(_runs(api, wf)) == 5
    ledger = api.ok(
        "GET",
        f"/workflows/{wf['id']}/occurrences?"
        + urlencode({"since": span["start"], "until": span["end"]}),
    )
    assert [o["outcome"] for o in ledger["items"]] == ["backfilled"] * 5
    assert {o["workflow_run_id"] for o in ledger["items"]} == {r["id"] for r in runs}
    logged = [e for e in api.ok("GET", "/audit")["items"] if e["action"] == "backfill"]
    assert [e["target_id"] for e in logged] == [wf["id"], wf["id"]]


def test_a_backfill_runs_one_at_a_time_unless_overlap_policy_is_allow(api, engine):
    wf = _workflow(api, overlap_policy="skip")
    hour = _hour(engine)
    span = {"start": (hour - timedelta(hours=3)).isoformat(), "end": hour.isoformat()}
    api.ok("POST", f"/workflows/{wf['id']}/backfill", span, 202)
    statuses = sorted(r["status"] for r in _runs(api, wf))
    assert statuses == ["PENDING", "PENDING", "RUNNING"]
    runs = _all_ended(api, engine, wf, 3)
    assert {r["status"] for r in runs} == {"SUCCEEDED"}
    by_start = sorted(runs, key=lambda r: r["started_at"])
    assert [r["scheduled_for"] for r in by_start] == sorted(r["scheduled_for"] for r in runs)
    for earlier, later in itertools.pairwise(by_start):
        assert earlier["finished_at"] <= later["started_at"]


def test_the_tick_makes_one_run_per_occurrence_and_pause_stops_it(api, engine):
    engine.clock.set(datetime(2026, 12, 7, 1, 59, 30, tzinfo=UTC))
    wf = _workflow(api, name="nightly", schedule="0 2 * * *")
    assert _at(wf["next_run_time"]) == datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
    # Staged a little ahead, as a job's runs are: its first step waits in Redis for 02:00.
    engine.clock.set(datetime(2026, 12, 7, 1, 59, 59, tzinfo=UTC))
    engine.scheduler.run_once(engine.clock.now())
    (staged,) = _runs(api, wf)
    assert (staged["status"], staged["steps"][0]["status"]) == ("PENDING", "RUNNING")
    engine.clock.set(datetime(2026, 12, 7, 2, 0, 0, tzinfo=UTC))
    engine.scheduler.run_once(engine.clock.now())
    engine.scheduler.run_once(engine.clock.now())  # a duplicate tick
    (run,) = _all_ended(api, engine, wf, 1)
    assert (run["scheduled_for"], run["status"]) == (NIGHT_7.isoformat(), "SUCCEEDED")
    assert api.ok("GET", f"/workflows/{wf['id']}")["next_run_time"] == NIGHT_8.isoformat()

    paused = api.ok("POST", f"/workflows/{wf['id']}/pause")
    assert paused["status"] == "PAUSED"
    engine.clock.set(datetime(2026, 12, 8, 2, 0, 30, tzinfo=UTC))
    engine.scheduler.run_once(engine.clock.now())
    assert len(_runs(api, wf)) == 1
    engine.clock.set(datetime(2026, 12, 8, 9, 0, 0, tzinfo=UTC))
    resumed = api.ok("POST", f"/workflows/{wf['id']}/resume")
    assert (resumed["status"], resumed["next_run_time"]) == ("SCHEDULED", NIGHT_9.isoformat())
    engine.scheduler.run_once(engine.clock.now())
    assert len(_runs(api, wf)) == 1  # what was due while paused does not run

    ledger = api.ok(
        "GET",
        f"/workflows/{wf['id']}/occurrences?since=2026-12-07T00:00:00Z&until=2026-12-10T00:00:00Z",
    )
    assert [(_at(o["scheduled_for"]), o["outcome"]) for o in ledger["items"]] == [
        (NIGHT_7, "ran"),
        (NIGHT_8, "missed"),
        (NIGHT_9, "upcoming"),
    ]
    assert ledger["items"][0]["workflow_run_id"] == run["id"]
    actions = [e["action"] for e in api.ok("GET", "/audit")["items"] if e["target_id"] == wf["id"]]
    assert actions[:2] == ["resume", "pause"]


def test_a_workflow_without_a_schedule_refuses_a_backfill(api, engine):
    wf = _workflow(api, schedule=None)
    hour = _hour(engine)
    span = {"start": (hour - timedelta(hours=2)).isoformat(), "end": hour.isoformat()}
    code, answer = api.call("POST", f"/workflows/{wf['id']}/backfill", span)
    assert code == 409 and "schedule" in answer["error"]["message"]
    code, answer = api.call("POST", f"/workflows/{wf['id']}/backfill", {"start": "soon"})
    assert code == 400 and set(answer["error"]["fields"]) >= {"start"}


def _slow(api: Api, **more: Any) -> dict[str, Any]:
    """A scheduled workflow whose one step waits (nothing runs it in these tests)."""
    body = {"name": "slow", "steps": [{"id": "a", "handler": "test.echo"}], **more}
    return api.ok("POST", "/workflows", body, 201)


def test_overlap_skip_makes_no_run_while_one_is_unfinished_and_cancel_previous_cancels(api, engine):
    engine.clock.set(datetime(2026, 12, 7, 0, 59, 30, tzinfo=UTC))
    skip = _slow(api, name="skip", schedule="0 * * * *", overlap_policy="skip")
    cancel = _slow(api, name="cancel", schedule="0 * * * *", overlap_policy="cancel_previous")
    for hour in (1, 2):
        engine.clock.set(datetime(2026, 12, 7, hour, 0, 0, tzinfo=UTC))
        engine.scheduler.run_once(engine.clock.now())  # no worker: runs stay unfinished
    (only,) = _runs(api, skip)
    assert _at(only["scheduled_for"]) == datetime(2026, 12, 7, 1, 0, tzinfo=UTC)
    newer, older = _runs(api, cancel)
    assert (_at(newer["scheduled_for"]).hour, newer["status"]) == (2, "RUNNING")
    assert (_at(older["scheduled_for"]).hour, older["status"]) == (1, "CANCELLED")
    ledger = api.ok(
        "GET",
        f"/workflows/{skip['id']}/occurrences?since=2026-12-07T00:30:00Z&until=2026-12-07T02:30:00Z",
    )
    assert [o["outcome"] for o in ledger["items"]] == ["ran", "missed"]


def test_after_downtime_catch_up_latest_runs_only_the_latest_missed_occurrence(api, engine):
    engine.clock.set(datetime(2026, 12, 7, 0, 59, 30, tzinfo=UTC))
    wf = _slow(api, schedule="0 * * * *")  # catch_up: latest (the default)
    engine.clock.set(datetime(2026, 12, 7, 5, 30, 0, tzinfo=UTC))  # the tick was down
    engine.scheduler.run_once(engine.clock.now())
    engine.scheduler.run_once(engine.clock.now())
    (run,) = _runs(api, wf)
    assert _at(run["scheduled_for"]) == datetime(2026, 12, 7, 5, 0, tzinfo=UTC)
    assert _at(api.ok("GET", f"/workflows/{wf['id']}")["next_run_time"]).hour == 6
