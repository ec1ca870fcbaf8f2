"""Business calendars, windows and bounds wired in (issue 25): the calendar routes,
the tick, retries, backfills, the ledger and explain, over real PostgreSQL and Redis."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tests.integration import test_api
from tests.integration.engine import Engine
from tests.integration.test_api import Api, job_body

api = test_api.api  # the same in-process API fixture


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def london(name: str, **extra: Any) -> dict[str, Any]:
    """A calendar of London's working days (names are unique per test: the fixtures
    isolate per run)."""
    return {"name": name, "timezone": "Europe/London", "holidays": {"country": "GB"}, **extra}


# ------------------------------------------------------------------ the routes


def test_calendar_crud_is_audited_and_bad_input_names_the_field(api: Api) -> None:
    created = api.ok("POST", "/calendars", london("cal-0", dates=["2026-12-31"]), 201)
    assert created["version"] == 1
    assert created["weekdays"] == ["mon", "tue", "wed", "thu", "fri"]
    assert created["holidays"] == {"country": "GB", "subdivision": None}
    assert created["dates"] == ["2026-12-31"]
    assert "cal-0" in [c["name"] for c in api.ok("GET", "/calendars")["items"]]
    assert api.ok("GET", "/calendars/cal-0")["jobs"] == 0

    changed = api.ok("PUT", "/calendars/cal-0", london("cal-0", weekdays=["mon"]))
    assert (changed["version"], changed["weekdays"], changed["dates"]) == (2, ["mon"], [])

    code, body = api.call("POST", "/calendars", london("cal-0"))
    assert (code, body["error"]["fields"]) == (409, {"name": "already exists"})
    code, body = api.call(
        "POST",
        "/calendars",
        {"name": "x", "timezone": "Mars/Base", "weekdays": ["mon", "funday"], "dates": ["1 May"]},
    )
    assert code == 400
    assert set(body["error"]["fields"]) == {"timezone", "weekdays[1]", "dates[0]"}
    code, body = api.call("PUT", "/calendars/cal-0", london("paris"))
    assert (code, list(body["error"]["fields"])) == (400, ["name"])
    assert api.call("GET", "/calendars/nowhere")[0] == 404

    api.ok("DELETE", "/calendars/cal-0", status=204)
    assert api.call("GET", "/calendars/cal-0")[0] == 404
    audit = api.ok("GET", "/audit?target_type=calendar&target_id=cal-0")["items"]
    assert [e["action"] for e in audit] == ["delete", "update", "create"]
    assert audit[1]["changes"]["version"] == {"before": 1, "after": 2}
    assert audit[1]["changes"]["weekdays"]["after"] == ["mon"]
    assert {e["target_id"] for e in audit} == {"cal-0"}


def test_a_job_names_an_existing_calendar_and_its_fields_are_checked(api: Api) -> None:
    code, body = api.call("POST", "/jobs", job_body(schedule="0 9 * * *", calendar="nowhere"))
    assert (code, body["error"]["fields"]) == (400, {"calendar": "no calendar has this name"})
    bad = job_body(
        schedule="0 9 * * *",
        non_business_day="sideways",
        windows=[{"days": ["mon"], "from": "9am", "to": "17:00"}],
        blackouts=[{"start": "2026-12-24", "end": "2026-12-25T00:00:00Z"}],
        outside_window="later",
        start_at="2027-01-02T00:00:00Z",
        end_at="2027-01-01T00:00:00Z",
        max_runs=0,
    )
    code, body = api.call("POST", "/jobs", bad)
    assert code == 400
    assert {"non_business_day", "outside_window", "max_runs"} <= set(body["error"]["fields"])
    code, body = api.call(
        "POST", "/jobs", job_body(windows=[{"days": ["mon"], "from": "9am", "to": "17:00"}])
    )
    assert (code, list(body["error"]["fields"])) == (400, ["windows[0].from"])
    code, body = api.call(
        "POST",
        "/jobs",
        job_body(start_at="2027-01-02T00:00:00Z", end_at="2027-01-01T00:00:00Z"),
    )
    assert (code, body["error"]["fields"]) == (400, {"end_at": "must be after start_at"})
    code, body = api.call(
        "POST", "/jobs", job_body(business_day_rule={"business_day": "last", "at": "6pm"})
    )
    assert code == 400
    assert set(body["error"]["fields"]) == {"calendar", "business_day_rule.at"}


def test_deleting_a_calendar_a_job_uses_is_a_conflict(api: Api, engine: Engine) -> None:
    api.ok("POST", "/calendars", london("cal-2"), 201)
    job = api.ok("POST", "/jobs", job_body(schedule="0 9 * * *", calendar="cal-2"), 201)
    assert api.ok("GET", "/calendars/cal-2")["jobs"] == 1
    code, body = api.call("DELETE", "/calendars/cal-2")
    assert (code, body["error"]["fields"]) == (409, {"name": "in use"})
    api.ok("PUT", f"/jobs/{job['id']}", {"calendar": None})
    api.ok("DELETE", "/calendars/cal-2", status=204)


def test_changing_a_calendar_replans_the_jobs_that_use_it(api: Api, engine: Engine) -> None:
    engine.clock.set(at("2026-12-21T12:00:00Z"))  # a Monday
    api.ok("POST", "/calendars", london("cal-3"), 201)
    job = api.ok("POST", "/jobs", job_body(schedule="0 9 * * *", calendar="cal-3"), 201)
    assert job["next_run_time"] == "2026-12-22T09:00:00+00:00"
    api.ok("PUT", "/calendars/cal-3", london("cal-3", dates=["2026-12-22", "2026-12-23"]))
    replanned = api.ok("GET", f"/jobs/{job['id']}")
    assert replanned["next_run_time"] == "2026-12-24T09:00:00+00:00"


# ------------------------------------------------------------ what runs, when


def test_a_trigger_inside_a_blackout_runs_at_its_end(api: Api, engine: Engine) -> None:
    engine.clock.set(at("2026-12-24T08:00:00Z"))
    blackout = {"start": "2026-12-24T09:00:00Z", "end": "2026-12-24T12:00:00Z"}
    job = api.ok("POST", "/jobs", job_body(schedule="0 10 * * *", blackouts=[blackout]), 201)
    (first, *_) = api.ok("GET", f"/jobs/{job['id']}/next-runs?count=2")["items"]
    assert first["utc"] == "2026-12-24T12:00:00+00:00"
    assert "blackout" in first["reason"]

    engine.clock.set(at("2026-12-24T10:00:00Z"))
    worker = engine.worker()
    engine.scheduler.run_once(engine.clock.now())
    worker.run_once(engine.clock.now())
    worker.flush(engine.clock.now())
    (run,) = engine.store.executions.list(job_id=job["id"]).items
    # Written at its occurrence, its due time deferred to the blackout's end.
    assert (run.scheduled_for, run.start_after) == (
        at("2026-12-24T10:00:00Z"),
        at("2026-12-24T12:00:00Z"),
    )
    assert run.status == "QUEUED", "not claimable inside the blackout"
    explained = api.ok("GET", f"/jobs/{job['id']}/explain?at=2026-12-24T10:00:00Z")
    assert explained["outcome"] == "deferred"
    assert explained["deferred_to"] == "2026-12-24T12:00:00+00:00"
    assert explained["execution_id"] == run.id

    engine.clock.set(at("2026-12-24T12:00:00Z"))
    engine.run_until(lambda: engine.status(run.id) == "SUCCEEDED", worker)
    assert engine.store.executions.get(run.id).started_at >= at("2026-12-24T12:00:00Z")
    explained = api.ok("GET", f"/jobs/{job['id']}/explain?at=2026-12-24T10:00:00Z")
    assert (explained["outcome"], explained["deferred_to"]) == (
        "ran",
        "2026-12-24T12:00:00+00:00",
    )


def test_a_retry_whose_backoff_lands_outside_the_window_waits_for_the_opening(
    engine: Engine,
) -> None:
    engine.clock.set(at("2026-12-18T16:59:00Z"))  # a Friday, a minute before closing
    job_id = engine.create_job(
        handler="test.delay",
        payload={"durationMs": 0, "shouldFail": True, "failMessage": "boom"},
        windows=[{"days": ["mon-fri"], "from": "09:00", "to": "17:00"}],
        max_retries=1,
        retry_backoff_ms=120_000,
        retry_backoff_max_ms=120_000,
    )
    run = engine.service.trigger_job(job_id, {})
    worker = engine.worker()
    engine.run_until(lambda: engine.status(run["id"]) == "RETRYING", worker)
    waiting = engine.store.executions.get(run["id"])
    assert waiting.next_attempt_at == at("2026-12-21T09:00:00Z"), "Monday's opening"

    engine.clock.set(at("2026-12-19T10:00:00Z"))  # Saturday: still closed
    engine.scheduler.run_once(engine.clock.now())
    worker.run_once(engine.clock.now())
    worker.flush(engine.clock.now())
    assert engine.status(run["id"]) == "RETRYING"

    engine.clock.set(at("2026-12-21T09:00:00Z"))
    engine.run_until(lambda: engine.status(run["id"]) == "FAILED", worker)
    attempts = engine.store.executions.get(run["id"]).attempts
    assert attempts[-1].started_at >= at("2026-12-21T09:00:00Z")


def test_a_backfill_over_a_holiday_skips_it_and_the_ledger_says_why(
    api: Api, engine: Engine
) -> None:
    engine.clock.set(at("2026-12-28T12:00:00Z"))
    api.ok("POST", "/calendars", london("cal-6"), 201)
    job = api.ok(
        "POST",
        "/jobs",
        job_body(schedule="0 9 * * *", timezone="Europe/London", calendar="cal-6"),
        201,
    )
    done = api.ok(
        "POST",
        f"/jobs/{job['id']}/backfill",
        {"start": "2026-12-23T00:00:00Z", "end": "2026-12-26T00:00:00Z"},
        202,
    )
    assert sorted(e["scheduled_for"] for e in done["items"]) == [
        "2026-12-23T09:00:00+00:00",
        "2026-12-24T09:00:00+00:00",
    ]
    ledger = api.ok(
        "GET",
        f"/jobs/{job['id']}/occurrences?since=2026-12-23T00:00:00Z&until=2026-12-26T00:00:00Z",
    )["items"]
    outcomes = {e["scheduled_for"]: (e["outcome"], e["reason"]) for e in ledger}
    assert outcomes["2026-12-23T09:00:00+00:00"][0] == "backfilled"
    assert outcomes["2026-12-25T09:00:00+00:00"] == (
        "skipped",
        "2026-12-25 is not a business day (Christmas Day)",
    )

    # explain, for each outcome
    def explain(when: str) -> dict[str, Any]:
        return api.ok("GET", f"/jobs/{job['id']}/explain?at={when}")

    ran = explain("2026-12-23T09:00:00Z")
    assert ran["outcome"] == "ran" and ran["execution_id"] == done["items"][0]["id"]
    skipped = explain("2026-12-25T09:00:00Z")
    assert skipped == {
        "at": "2026-12-25T09:00:00+00:00",
        "outcome": "skipped",
        "reason": "2026-12-25 is not a business day (Christmas Day)",
    }
    upcoming = explain("2026-12-29T09:00:00Z")
    assert upcoming["outcome"] == "upcoming"
    nothing = explain("2026-12-29T09:30:00Z")
    assert nothing["outcome"] == "not_an_occurrence"
    assert "2026-12-29T09:00:00+00:00" in nothing["reason"]
    assert "2026-12-30T09:00:00+00:00" in nothing["reason"]
    code, body = api.call("GET", f"/jobs/{job['id']}/explain")
    assert (code, list(body["error"]["fields"])) == (400, ["at"])


def test_explain_says_a_paused_job_skipped_its_occurrence(api: Api, engine: Engine) -> None:
    engine.clock.set(at("2026-12-21T08:00:00Z"))
    job = api.ok("POST", "/jobs", job_body(schedule="0 9 * * *", catch_up="none"), 201)
    api.ok("POST", f"/jobs/{job['id']}/pause")
    engine.clock.set(at("2026-12-21T10:00:00Z"))
    api.ok("POST", f"/jobs/{job['id']}/resume")
    engine.scheduler.run_once(engine.clock.now())
    explained = api.ok("GET", f"/jobs/{job['id']}/explain?at=2026-12-21T09:00:00Z")
    assert explained["outcome"] == "skipped"
    assert "paused" in explained["reason"]


def test_next_last_business_day_rule_and_bounds_drive_the_tick(api: Api, engine: Engine) -> None:
    engine.clock.set(at("2026-12-01T12:00:00Z"))
    api.ok("POST", "/calendars", london("cal-8"), 201)
    job = api.ok(
        "POST",
        "/jobs",
        job_body(
            calendar="cal-8",
            business_day_rule={"business_day": "last", "at": "18:00"},
            max_runs=1,
        ),
        201,
    )
    # 31 Dec 2026 is a Thursday; the last business day of December is it.
    assert job["next_run_time"] == "2026-12-31T18:00:00+00:00"
    engine.clock.set(at("2026-12-31T18:00:00Z"))
    engine.scheduler.run_once(engine.clock.now())
    (run,) = engine.store.executions.list(job_id=job["id"]).items
    assert run.scheduled_for == at("2026-12-31T18:00:00Z")
    after = api.ok("GET", f"/jobs/{job['id']}")
    assert (after["runs_made"], after["next_run_time"]) == (1, None), "max_runs reached"


def test_previews_show_what_the_calendar_and_windows_do(api: Api, engine: Engine) -> None:
    engine.clock.set(at("2026-12-24T12:00:00Z"))
    api.ok("POST", "/calendars", london("cal-preview", dates=["2026-12-30"]), 201)
    preview = {
        "schedule": "0 9 * * *",
        "timezone": "Europe/London",
        "calendar": "cal-preview",
        "non_business_day": "next",
        "count": 2,
    }
    # Christmas (Fri), the weekend and the Boxing Day holiday (Mon 28th) move to Tuesday
    # 29th, where that day's own occurrence runs: once.
    first, second = api.ok("POST", "/schedules/preview", preview)["items"]
    assert (first["utc"], first["reason"]) == ("2026-12-29T09:00:00+00:00", None)
    assert second["utc"] == "2026-12-31T09:00:00+00:00", "the 30th is closed"
    weekly = {**preview, "schedule": "0 9 * * 3", "count": 1}  # Wednesdays
    (moved,) = api.ok("POST", "/schedules/preview", weekly)["items"]
    assert (moved["utc"], moved["reason"]) == (
        "2026-12-31T09:00:00+00:00",
        "2026-12-30 is not a business day (extra date); moved to the next business day 2026-12-31",
    )

    windowed = {
        "schedule": "0 8 * * *",
        "windows": [{"days": ["mon-fri"], "from": "09:00", "to": "17:00"}],
    }
    (deferred,) = api.ok("POST", "/schedules/preview", {**windowed, "count": 1})["items"]
    assert deferred["utc"] == "2026-12-25T09:00:00+00:00"
    assert "outside the windows" in deferred["reason"]

    code, body = api.call("POST", "/schedules/preview", {**preview, "calendar": "nowhere"})
    assert (code, body["error"]["fields"]) == (400, {"calendar": "no calendar has this name"})


def test_a_manual_trigger_inside_a_blackout_is_due_at_its_end(api: Api, engine: Engine) -> None:
    engine.clock.set(at("2026-12-24T10:00:00Z"))
    blackout = {"start": "2026-12-24T09:00:00Z", "end": "2026-12-24T12:00:00Z"}
    job = api.ok("POST", "/jobs", job_body(blackouts=[blackout]), 201)
    run = api.ok("POST", f"/jobs/{job['id']}/trigger", None, 202)
    assert run["scheduled_for"] == "2026-12-24T12:00:00+00:00", "its due time deferred"
    worker = engine.worker()
    engine.scheduler.run_once(engine.clock.now())
    worker.run_once(engine.clock.now())
    worker.flush(engine.clock.now())
    assert engine.status(run["id"]) == "QUEUED"
    engine.clock.set(at("2026-12-24T12:00:00Z"))
    engine.run_until(lambda: engine.status(run["id"]) == "SUCCEEDED", worker)
    free = api.ok("POST", "/jobs", job_body(name="no-blackout"), 201)
    now_run = api.ok("POST", f"/jobs/{free['id']}/trigger", None, 202)
    assert now_run["scheduled_for"] == "2026-12-24T12:00:00+00:00", "others run at once"


def test_the_tick_runs_a_closed_days_occurrence_on_the_next_business_day(
    api: Api, engine: Engine
) -> None:
    engine.clock.set(at("2026-12-24T12:00:00Z"))
    api.ok("POST", "/calendars", london("cal-tick"), 201)
    body = job_body(
        schedule="0 9 25 12 *", timezone="Europe/London", calendar="cal-tick"
    )  # every Christmas Day
    job = api.ok("POST", "/jobs", {**body, "non_business_day": "next"}, 201)
    assert job["next_run_time"] == "2026-12-29T09:00:00+00:00", "after Boxing Day's Monday"
    engine.clock.set(at("2026-12-29T09:00:00Z"))
    engine.scheduler.run_once(engine.clock.now())
    (run,) = engine.store.executions.list(job_id=job["id"]).items
    assert run.scheduled_for == at("2026-12-29T09:00:00Z")
    (entry,) = api.ok(
        "GET",
        f"/jobs/{job['id']}/occurrences?since=2026-12-24T00:00:00Z&until=2026-12-30T00:00:00Z",
    )["items"]
    assert (entry["scheduled_for"], entry["outcome"], entry["execution_id"]) == (
        "2026-12-25T09:00:00+00:00",
        "ran",
        run.id,
    )
    assert entry["reason"].endswith("moved to the next business day 2026-12-29")


def test_a_job_the_old_calendar_never_let_run_is_replanned(api: Api, engine: Engine) -> None:
    engine.clock.set(at("2026-12-21T12:00:00Z"))  # a Monday
    api.ok("POST", "/calendars", {"name": "mondays", "timezone": "UTC", "weekdays": ["mon"]}, 201)
    body = job_body(schedule="0 9 * * 2", calendar="mondays")  # Tuesdays
    job = api.ok("POST", "/jobs", body, 201)
    assert job["next_run_time"] is None, "no Tuesday is a business day"
    api.ok("PUT", "/calendars/mondays", {"timezone": "UTC", "weekdays": ["tue"]})
    assert api.ok("GET", f"/jobs/{job['id']}")["next_run_time"] == "2026-12-22T09:00:00+00:00"


def test_a_trigger_or_backfill_outside_the_windows_waits_or_is_refused(
    api: Api, engine: Engine
) -> None:
    engine.clock.set(at("2026-12-19T10:00:00Z"))  # a Saturday
    hours = [{"days": ["mon-fri"], "from": "09:00", "to": "17:00"}]
    deferring = api.ok("POST", "/jobs", job_body(schedule="0 12 * * *", windows=hours), 201)
    done = api.ok(
        "POST",
        f"/jobs/{deferring['id']}/backfill",
        {"start": "2026-12-17T00:00:00Z", "end": "2026-12-19T00:00:00Z"},
        202,
    )
    assert [e["start_after"] for e in done["items"]] == ["2026-12-21T09:00:00+00:00"] * 2
    skipping = api.ok(
        "POST", "/jobs", job_body(name="skips", windows=hours, outside_window="skip"), 201
    )
    code, body = api.call("POST", f"/jobs/{skipping['id']}/trigger")
    assert code == 409
    assert "outside the windows" in body["error"]["message"]
    assert "the next opening is 2026-12-21T09:00:00+00:00" in body["error"]["message"]
    assert engine.store.executions.list(job_id=skipping["id"]).total == 0


def test_the_days_of_a_range_name_each_closed_day_and_refuse_a_bad_range(api: Api) -> None:
    api.ok("POST", "/calendars", {**london("cal-days"), "dates": ["2026-12-29"]}, 201)
    days = api.ok("GET", "/calendars/cal-days/days?since=2026-12-24&until=2026-12-29")
    assert (days["name"], days["version"], days["timezone"]) == (
        "cal-days",
        1,
        "Europe/London",
    )
    assert [(d["date"], d["business"], d["reason"]) for d in days["items"]] == [
        ("2026-12-24", True, None),
        ("2026-12-25", False, "Christmas Day"),
        ("2026-12-26", False, "Boxing Day"),  # a Saturday: the holiday's name wins
        ("2026-12-27", False, "weekend"),
        ("2026-12-28", False, "Boxing Day (observed)"),
        ("2026-12-29", False, "extra date"),
    ]
    february = api.ok("GET", "/calendars/cal-days/days?since=2028-02-01")["items"]
    assert (february[0]["date"], february[-1]["date"]) == ("2028-02-01", "2028-02-29")
    code, body = api.call("GET", "/calendars/cal-days/days?since=2026-12-24&until=2026-12-23")
    assert (code, list(body["error"]["fields"])) == (400, ["until"])
    code, body = api.call("GET", "/calendars/cal-days/days?since=2026-01-01&until=2027-01-02")
    assert (code, list(body["error"]["fields"])) == (400, ["until"])
    code, body = api.call("GET", "/calendars/cal-days/days?since=someday&until=2026-12-23")
    assert (code, list(body["error"]["fields"])) == (400, ["since"])
    assert api.call("GET", "/calendars/nowhere/days?since=2026-12-24&until=2026-12-25")[0] == 404
