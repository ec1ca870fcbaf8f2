"""Scheduling semantics end to end (tick, store, queue, API) on an injected clock:
catch-up after downtime, overlap with a slow run, backfill, keyed and delayed triggers,
one-off jobs, precise starts, the occurrence ledger, previews.

Which runs a due job gets is ``due.plan``'s decision (tests/unit/test_due.py) and the
DST rules are cron's (tests/unit/test_cron.py); here they are carried out for real.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from jobsched import execution_record
from jobsched.clock import to_ms
from jobsched.domain.recording import Finish
from jobsched.domain.states import AttemptOutcome
from tests.integration import test_api
from tests.integration.engine import Engine
from tests.integration.test_api import AUTH, Api, job_body

api = test_api.api  # the same in-process API fixture

EVERY_10M = "*/10 * * * *"


def _runs(engine: Engine, job_id: str) -> list[Any]:
    page = engine.store.executions.list(job_id=job_id, limit=200)
    return sorted(page.items, key=lambda e: (e.scheduled_for, e.source))


def _start(engine: Engine, execution_id: str) -> tuple[str, str]:
    """Claim and start one run, as a worker would, and keep it running (a slow run)."""
    (claim,) = engine.queue.claim(1, engine.clock.now(), 30_000, owner="slow")
    assert claim.execution_id == execution_id
    execution_record.start(
        engine.store, [(claim.execution_id, claim.token)], "slow-worker", engine.clock.now()
    )
    return claim.execution_id, claim.token


# ------------------------------------------------------------------ catch-up


@pytest.mark.parametrize(
    ("catch_up", "ran_minutes"),
    # Every occurrence was missed (none is on time), so none, latest and all differ.
    [("none", []), ("latest", [60]), ("all", [10, 20, 30, 40, 50, 60])],
)
def test_a_scheduler_down_for_an_hour_under_each_catch_up_mode(
    engine: Engine, catch_up: str, ran_minutes: list[int]
) -> None:
    job_id = engine.create_job(schedule=EVERY_10M, catch_up=catch_up)
    t0 = engine.store.jobs.get(job_id).next_run_time
    # Down from just before t0 for 65 minutes: t0 .. t0+60m were all missed.
    engine.clock.set(t0 + timedelta(hours=1, minutes=5, seconds=2))
    engine.scheduler.run_once(engine.clock.now())
    runs = _runs(engine, job_id)
    assert [e.scheduled_for for e in runs] == [t0 + timedelta(minutes=m) for m in range(0, 61, 10)]
    ran = [e.scheduled_for for e in runs if e.status != "SKIPPED"]
    assert ran == [t0 + timedelta(minutes=m) for m in ran_minutes]
    for e in runs:
        if e.status == "SKIPPED":
            assert e.error.startswith("missed while the scheduler was down")
    # Nothing more is owed: the next pass writes nothing.
    assert engine.scheduler.run_once(engine.clock.now()).scheduled == 0


# ------------------------------------------------------------------- overlap


def _slow_first_run(engine: Engine, policy: str) -> tuple[str, Any, str, str]:
    job_id = engine.create_job(schedule="*/5 * * * * *", overlap_policy=policy)
    first_time = engine.store.jobs.get(job_id).next_run_time
    engine.clock.set(first_time)
    engine.scheduler.run_once(engine.clock.now())
    (first,) = _runs(engine, job_id)
    eid, token = _start(engine, first.id)
    engine.clock.advance(seconds=5)  # the next occurrence falls due; the first still runs
    engine.scheduler.run_once(engine.clock.now())
    return job_id, first_time, eid, token


def test_overlap_allow_runs_alongside_a_slow_run(engine: Engine) -> None:
    job_id, _, _, _ = _slow_first_run(engine, "allow")
    assert [e.status for e in _runs(engine, job_id)] == ["RUNNING", "QUEUED"]


def test_overlap_skip_records_the_occurrence_skipped(engine: Engine) -> None:
    job_id, _, _, _ = _slow_first_run(engine, "skip")
    first, second = _runs(engine, job_id)
    assert (first.status, second.status) == ("RUNNING", "SKIPPED")
    assert second.error == "overlap_policy=skip: the previous run was still unfinished"


def test_overlap_buffer_one_holds_one_run_until_the_slow_one_finishes(engine: Engine) -> None:
    job_id, _, eid, token = _slow_first_run(engine, "buffer_one")
    running, held = _runs(engine, job_id)
    assert (running.status, held.status, held.on_hold) == ("RUNNING", "PENDING", True)
    # Not in Redis: nothing can claim it.
    assert engine.queue.client.hget(engine.queue.keys.meta, held.id) is None
    engine.clock.advance(seconds=5)  # a third occurrence: one is waiting already
    engine.scheduler.run_once(engine.clock.now())
    third = _runs(engine, job_id)[2]
    assert third.status == "SKIPPED" and "already waiting" in third.error
    # The slow run ends: the held one is released and queued on the next pass.
    execution_record.finish(
        engine.store, [Finish(eid, token, AttemptOutcome.SUCCEEDED)], engine.clock.now(), None
    )
    report = engine.scheduler.run_once(engine.clock.now())
    assert report.unheld == 1
    released = engine.store.executions.get(held.id)
    assert (released.status, released.on_hold) == ("QUEUED", False)


def test_overlap_cancel_previous_stops_the_slow_run(engine: Engine) -> None:
    job_id, _, eid, token = _slow_first_run(engine, "cancel_previous")
    first, second = _runs(engine, job_id)
    assert (first.status, second.status) == ("CANCELLED", "QUEUED")
    assert "overlap_policy=cancel_previous" in first.error
    # Its worker learns at its next heartbeat (2: extended and told to cancel).
    assert engine.queue.extend([(eid, token)], engine.clock.now(), 30_000) == {eid: 2}


# ------------------------------------------------------------------ backfill


def test_a_backfill_repeated_twice_runs_each_occurrence_once(api: Api, engine: Engine) -> None:
    job = api.ok("POST", "/jobs", job_body(schedule=EVERY_10M), 201)
    now = engine.clock.now()
    start = (now - timedelta(hours=2)).replace(minute=0, second=0).isoformat()
    end = (now - timedelta(hours=1)).replace(minute=0, second=0).isoformat()
    body = {"start": start, "end": end}
    first = api.ok("POST", f"/jobs/{job['id']}/backfill", body, 202)
    assert (first["total"], first["existing"]) == (6, 0)
    assert [e["source"] for e in first["items"]] == ["backfill"] * 6
    assert {e["status"] for e in first["items"]} == {"QUEUED"}
    again = api.ok("POST", f"/jobs/{job['id']}/backfill", body, 202)
    assert (again["total"], again["existing"]) == (0, 6)
    assert engine.store.executions.list(job_id=job["id"]).total == 6
    # Each backfilled run carries its occurrence's key, as a scheduled run would.
    keys = [e["idempotency_key"] for e in first["items"]]
    assert keys[0] == f"{job['id']}:{datetime.fromisoformat(start).astimezone(UTC).isoformat()}"


def test_a_backfill_under_skip_runs_one_occurrence_at_a_time(api: Api, engine: Engine) -> None:
    engine.clock.set(engine.clock.now().replace(minute=35, second=0))
    job = api.ok("POST", "/jobs", job_body(schedule=EVERY_10M, overlap_policy="skip"), 201)
    now = engine.clock.now()  # the range below holds :10, :20 and :30
    body = {"start": (now - timedelta(minutes=31)).isoformat(), "end": now.isoformat()}
    created = api.ok("POST", f"/jobs/{job['id']}/backfill", body, 202)["items"]
    assert len(created) == 3 and all(e["on_hold"] for e in created)
    order = []
    worker = engine.worker()
    for _ in range(3):
        engine.scheduler.run_once(engine.clock.now())
        queued = [e for e in _runs(engine, job["id"]) if e.status == "QUEUED"]
        assert len(queued) == 1  # never two at once
        order.append(queued[0].scheduled_for)
        engine.run_until(lambda q=queued[0]: engine.status(q.id) == "SUCCEEDED", worker)
    assert order == sorted(order)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"start": "2026-01-01T00:00:00Z"}, "end"),
        ({"start": "yesterday", "end": "2026-01-01T00:00:00Z"}, "start"),
        ({"start": "2026-01-02T00:00:00Z", "end": "2026-01-01T00:00:00Z"}, "end"),
        ({"start": "2020-01-01T00:00:00Z", "end": "2026-01-01T00:00:00Z"}, "end"),  # too many
    ],
)
def test_a_bad_backfill_is_a_400_naming_the_field(
    api: Api, engine: Engine, body: dict, field: str
) -> None:
    job = api.ok("POST", "/jobs", job_body(schedule=EVERY_10M), 201)
    code, answer = api.call("POST", f"/jobs/{job['id']}/backfill", body)
    assert code == 400 and field in answer["error"]["fields"], answer
    assert engine.store.executions.list(job_id=job["id"]).total == 0


# ----------------------------------------------------------- keyed triggers


def test_keyed_triggers_sent_twice_create_one_run(api: Api, engine: Engine) -> None:
    job = api.ok("POST", "/jobs", job_body(), 201)
    path = f"/jobs/{job['id']}/trigger"
    keyed = {**AUTH, "Idempotency-Key": "order-42"}
    code, first = api.call("POST", path, {"payload": {"n": 1}}, headers=keyed)
    code2, second = api.call("POST", path, {"payload": {"n": 1}}, headers=keyed)
    assert (code, code2) == (202, 202)
    assert second["id"] == first["id"] and first["idempotency_key"] == "order-42"
    assert engine.store.executions.list(job_id=job["id"]).total == 1
    triggers = api.ok("GET", f"/audit?action=trigger&target_id={job['id']}")
    assert triggers["total"] == 1
    # A batch under another key: its runs, once, however often it is sent.
    batch = {"runs": [{}, {}]}
    ids = [
        [
            e["id"]
            for e in api.call("POST", path, batch, {**AUTH, "Idempotency-Key": "b"})[1]["items"]
        ]
        for _ in range(2)
    ]
    assert ids[0] == ids[1] and len(ids[0]) == 2
    assert engine.store.executions.list(job_id=job["id"]).total == 3


def test_a_blank_idempotency_key_is_a_400(api: Api) -> None:
    job = api.ok("POST", "/jobs", job_body(), 201)
    headers = {**AUTH, "Idempotency-Key": " "}
    code, answer = api.call("POST", f"/jobs/{job['id']}/trigger", None, headers=headers)
    assert code == 400 and "Idempotency-Key" in answer["error"]["fields"]


# -------------------------------------------------------- run at a time


def test_a_delayed_trigger_is_scheduled_cancellable_and_never_early(
    api: Api, engine: Engine
) -> None:
    job = api.ok("POST", "/jobs", job_body(), 201)
    path = f"/jobs/{job['id']}/trigger"
    later = api.ok("POST", path, {"delay_ms": 60_000}, 202)
    due = engine.clock.now() + timedelta(minutes=1)
    assert (later["status"], later["scheduled_for"]) == ("QUEUED", due.isoformat())
    # A millisecond before its time nothing can claim it; at its time it is claimed.
    early = engine.queue.claim(5, due - timedelta(milliseconds=1), 30_000)
    assert early == []
    assert [c.execution_id for c in engine.queue.claim(5, due, 30_000)] == [later["id"]]
    # Another, for a given time, is cancelled before it starts and never runs.
    run_at = (engine.clock.now() + timedelta(hours=1)).isoformat()
    other = api.ok("POST", path, {"run_at": run_at}, 202)
    cancelled = api.ok("POST", f"/executions/{other['id']}/cancel")
    assert cancelled["status"] == "CANCELLED"
    assert engine.queue.claim(5, engine.clock.now() + timedelta(hours=2), 30_000) == []


def test_run_at_and_delay_ms_together_are_refused(api: Api) -> None:
    job = api.ok("POST", "/jobs", job_body(), 201)
    body = {"run_at": "2030-01-01T00:00:00Z", "delay_ms": 5}
    code, answer = api.call("POST", f"/jobs/{job['id']}/trigger", body)
    assert code == 400 and answer["error"]["fields"] == {
        "delay_ms": "not allowed together with run_at"
    }


def test_a_one_off_job_runs_once_at_its_time(api: Api, engine: Engine) -> None:
    run_at = engine.clock.now() + timedelta(minutes=5)
    job = api.ok("POST", "/jobs", job_body(run_at=run_at.isoformat()), 201)
    assert job["next_run_time"] == run_at.isoformat()
    assert job["upcoming_runs"] == [run_at.isoformat()]
    engine.clock.set(run_at)
    engine.run_until(lambda: engine.store.executions.list(job_id=job["id"]).total == 1)
    (run,) = engine.store.executions.list(job_id=job["id"]).items
    engine.run_until(lambda: engine.status(run.id) == "SUCCEEDED")
    engine.clock.advance(hours=1)
    engine.scheduler.run_once(engine.clock.now())
    assert engine.store.executions.list(job_id=job["id"]).total == 1
    assert api.ok("GET", f"/jobs/{job['id']}")["next_run_time"] is None


def test_a_one_off_job_with_a_schedule_is_refused(api: Api) -> None:
    body = job_body(run_at="2030-01-01T00:00:00Z", schedule="0 * * * *")
    code, answer = api.call("POST", "/jobs", body)
    assert code == 400 and "run_at" in answer["error"]["fields"]


# ----------------------------------------------------------- precise starts


def test_the_tick_stages_runs_that_start_exactly_at_their_time(engine: Engine) -> None:
    job_id = engine.create_job(schedule="*/5 * * * * *")
    due = engine.store.jobs.get(job_id).next_run_time
    engine.clock.set(due - timedelta(seconds=1))  # a pass just before the occurrence
    assert engine.scheduler.run_once(engine.clock.now()).scheduled == 1
    (staged,) = _runs(engine, job_id)
    assert staged.status == "QUEUED" and staged.scheduled_for == due
    assert engine.queue.next_due() == due
    assert engine.queue.claim(5, due - timedelta(milliseconds=1), 30_000) == []
    claims = engine.queue.claim(5, due, 30_000)
    assert [c.execution_id for c in claims] == [staged.id]
    assert engine.queue.claim(5, due, 30_000) == []  # never twice


def test_start_jitter_delays_a_run_within_its_bound_never_before_its_time(
    engine: Engine,
) -> None:
    job_id = engine.create_job(schedule="0 * * * *", start_jitter_ms=600_000)
    due = engine.store.jobs.get(job_id).next_run_time
    engine.clock.set(due)
    engine.scheduler.run_once(engine.clock.now())
    (run,) = _runs(engine, job_id)
    assert run.scheduled_for == due  # the occurrence is the same; only its start moves
    assert due <= run.start_after <= due + timedelta(minutes=10)
    if run.start_after > due:
        assert engine.queue.claim(5, run.start_after - timedelta(milliseconds=1), 30_000) == []
    claims = engine.queue.claim(5, run.start_after + timedelta(milliseconds=1), 30_000)
    assert [c.execution_id for c in claims] == [run.id]


def test_a_run_due_later_survives_redis_losing_its_queue(engine: Engine, redis_url: str) -> None:
    job_id = engine.create_job()
    run = engine.service.trigger_job(job_id, {"delay_ms": 10_000})
    keys = engine.queue.keys
    engine.queue.client.delete(keys.delayed, keys.meta, keys.epoch)
    engine.scheduler.run_once(engine.clock.now())  # rebuilds from PostgreSQL
    now_ms = to_ms(engine.clock.now())
    assert engine.queue.claim(5, engine.clock.now(), 30_000) == []  # still not early
    assert to_ms(engine.queue.next_due()) == now_ms + 10_000
    assert engine.store.executions.get(run["id"]).status == "QUEUED"


# ----------------------------------------------------------------- the ledger


def test_the_ledger_says_what_became_of_each_occurrence(api: Api, engine: Engine) -> None:
    job = api.ok("POST", "/jobs", job_body(schedule=EVERY_10M, catch_up="none"), 201)
    t0 = datetime.fromisoformat(job["next_run_time"])
    engine.clock.set(t0)
    engine.scheduler.run_once(engine.clock.now())  # t0 runs on time
    engine.clock.set(t0 + timedelta(minutes=30, seconds=2))  # down for half an hour
    engine.scheduler.run_once(engine.clock.now())
    query = f"since={t0.isoformat()}&until={(t0 + timedelta(minutes=50)).isoformat()}"
    ledger = api.ok("GET", f"/jobs/{job['id']}/occurrences?{query.replace('+', '%2B')}")
    outcomes = [(i["outcome"], i["reason"]) for i in ledger["items"]]
    missed = "missed while the scheduler was down: catch_up=none"
    assert outcomes == [
        ("ran", None),
        ("skipped", missed),
        ("skipped", missed),
        ("ran", None),  # 30m: on time
        ("upcoming", None),
    ]
    assert ledger["truncated"] is False


def test_the_ledger_shows_a_dst_gap_skipped(api: Api, engine: Engine) -> None:
    body = job_body(schedule="30 2 * * *", timezone="America/New_York", dst_gap="skip")
    engine.clock.set(datetime(2026, 3, 1, tzinfo=UTC))
    job = api.ok("POST", "/jobs", body, 201)
    engine.clock.set(datetime(2026, 3, 10, tzinfo=UTC))
    ledger = api.ok(
        "GET",
        f"/jobs/{job['id']}/occurrences?since=2026-03-07T00:00:00Z&until=2026-03-10T00:00:00Z",
    )
    by_day = {i["scheduled_for"][:10]: (i["outcome"], i["reason"]) for i in ledger["items"]}
    assert by_day["2026-03-08"] == (
        "skipped",
        "dst_gap=skip: this wall-clock time does not exist that day",
    )


# ----------------------------------------------------------------- previews


def test_previews_show_local_times_with_offsets(api: Api, engine: Engine) -> None:
    body = {
        "schedule": "30 2 * * *",
        "timezone": "Europe/Paris",
        "after": "2026-10-23T12:00:00Z",
        "count": 3,
        "dst_overlap": "twice",
    }
    preview = api.ok("POST", "/schedules/preview", body)
    assert [(i["at"], i["utc_offset"]) for i in preview["items"]] == [
        ("2026-10-24T02:30:00+02:00", "+02:00"),
        ("2026-10-25T02:30:00+02:00", "+02:00"),
        ("2026-10-25T02:30:00+01:00", "+01:00"),
    ]
    code, answer = api.call("POST", "/schedules/preview", {"schedule": "61 * * * *"})
    assert code == 400 and "schedule" in answer["error"]["fields"]
    job = api.ok("POST", "/jobs", job_body(schedule="0 6 * * *", timezone="Europe/Paris"), 201)
    runs = api.ok("GET", f"/jobs/{job['id']}/next-runs?count=3")
    assert len(runs["items"]) == 3 and runs["timezone"] == "Europe/Paris"
    assert all(i["at"].startswith(i["at"][:10]) and "T06:00:00" in i["at"] for i in runs["items"])


def test_only_jobs_that_allow_overlap_are_staged_ahead(engine: Engine) -> None:
    # cancel_previous decides at the occurrence's time: a run finishing in the last
    # moments before it is not cancelled early.
    allow = engine.create_job(schedule="*/5 * * * * *")
    careful = engine.create_job(schedule="*/5 * * * * *", overlap_policy="cancel_previous")
    due = engine.store.jobs.get(allow).next_run_time
    engine.clock.set(due - timedelta(seconds=1))
    engine.scheduler.run_once(engine.clock.now())
    assert [e.scheduled_for for e in _runs(engine, allow)] == [due]
    assert _runs(engine, careful) == []
    engine.clock.set(due)
    engine.scheduler.run_once(engine.clock.now())
    assert [e.scheduled_for for e in _runs(engine, careful)] == [due]


def test_the_ledger_of_a_job_whose_zone_vanished_shows_what_was_recorded(
    api: Api, engine: Engine
) -> None:
    job = api.ok("POST", "/jobs", job_body(schedule="0 * * * *"), 201)
    with engine.store.tx() as conn:  # as after a tzdata upgrade
        conn.execute("UPDATE jobs SET timezone = 'Mars/Olympus_Mons' WHERE id = %s", (job["id"],))
    ledger = api.ok("GET", f"/jobs/{job['id']}/occurrences")
    assert ledger["items"] == []
