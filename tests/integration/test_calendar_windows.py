"""The two window rules issue 25 left for later, over real PostgreSQL and Redis: a run
still running when its window closes is cancelled only when its job says so, and a
calendar's own windows apply to every job using it."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from tests.integration import test_api, test_cli_keys
from tests.integration.engine import Engine
from tests.integration.helpers import wait_for
from tests.integration.test_api import Api, job_body
from tests.integration.test_cli_parity import Cli, cli

api = test_api.api  # the same in-process API fixture
api_url = test_cli_keys.api_url
__all__ = ["cli"]

OFFICE_HOURS = [{"days": ["mon-fri"], "from": "09:00", "to": "17:00"}]


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


# ------------------------------------------------------- on_window_close


@pytest.mark.parametrize("policy", ["cancel", "leave"])
def test_a_run_still_running_at_the_close_is_cancelled_only_when_the_job_says_so(
    engine: Engine, policy: str
) -> None:
    engine.clock.set(at("2026-12-18T16:50:00Z"))  # a Friday, ten minutes before closing
    job_id = engine.create_job(
        handler="test.delay",
        payload={"durationMs": 600_000},
        windows=OFFICE_HOURS,
        on_window_close=policy,
    )
    run = engine.service.trigger_job(job_id, {})
    worker = engine.worker()
    engine.run_until(lambda: engine.status(run["id"]) == "RUNNING", worker)
    handler = worker.running[run["id"]]

    engine.clock.set(at("2026-12-18T16:59:00Z"))  # still open: nothing happens
    engine.scheduler.run_once(engine.clock.now())
    assert engine.status(run["id"]) == "RUNNING"

    engine.clock.set(at("2026-12-18T17:00:01Z"))  # closed
    report = engine.scheduler.run_once(engine.clock.now())
    if policy == "leave":
        assert engine.status(run["id"]) == "RUNNING", "left alone"
        assert report.window_closed == 0
        engine.service.cancel_execution(run["id"])  # (frees the worker's thread)
    else:
        assert report.window_closed == 1
        cancelled = engine.store.executions.get(run["id"])
        assert cancelled.status == "CANCELLED"
        assert "window closed" in cancelled.error
        assert "outside the windows (mon,tue,wed,thu,fri 09:00-17:00)" in cancelled.error
    # The worker learns of it on its next beat and interrupts the handler.
    worker.heartbeat(engine.clock.now())
    wait_for(lambda: worker.flush(engine.clock.now()) or not worker.running, timeout=10)
    assert handler.ctx.cancelled.is_set()


def test_on_window_close_is_checked_and_shown(api: Api) -> None:
    code, body = api.call("POST", "/jobs", job_body(on_window_close="kill"))
    assert code == 400
    assert list(body["error"]["fields"]) == ["on_window_close"]
    job = api.ok("POST", "/jobs", job_body(windows=OFFICE_HOURS, on_window_close="cancel"), 201)
    assert job["on_window_close"] == "cancel"
    changed = api.ok("PUT", f"/jobs/{job['id']}", {"on_window_close": "leave"})
    assert changed["on_window_close"] == "leave"
    assert api.ok("POST", "/jobs", job_body(name="plain"), 201)["on_window_close"] == "leave"


# ------------------------------------------------------- a calendar's windows


def office(name: str, **extra: object) -> dict[str, object]:
    return {
        "name": name,
        "timezone": "Europe/London",
        "holidays": {"country": "GB"},
        "windows": OFFICE_HOURS,
        **extra,
    }


def test_a_calendar_s_windows_defer_a_trigger_to_the_next_business_morning(
    api: Api, engine: Engine
) -> None:
    engine.clock.set(at("2026-12-24T20:00:00Z"))  # Christmas Eve, 20:00 in London
    created = api.ok("POST", "/calendars", office("office"), 201)
    assert created["windows"] == OFFICE_HOURS
    assert api.ok("GET", "/calendars/office")["windows"] == OFFICE_HOURS
    job = api.ok("POST", "/jobs", job_body(calendar="office"), 201)  # no windows of its own
    run = api.ok("POST", f"/jobs/{job['id']}/trigger", None, 202)
    # Christmas Day (Fri), the weekend and Boxing Day (observed, Mon 28) are closed.
    assert run["scheduled_for"] == "2026-12-29T09:00:00+00:00"
    # A job's own windows take precedence over its calendar's.
    evening = [{"days": ["mon-sun"], "from": "18:00", "to": "23:00"}]
    own = api.ok("POST", "/jobs", job_body(name="own", calendar="office", windows=evening), 201)
    assert api.ok("POST", f"/jobs/{own['id']}/trigger", None, 202)["scheduled_for"] == (
        "2026-12-24T20:00:00+00:00"
    )


def test_a_calendar_s_windows_are_checked_and_a_change_replans_its_jobs(
    api: Api, engine: Engine
) -> None:
    code, body = api.call(
        "POST", "/calendars", office("bad", windows=[{"days": ["mon"], "from": "9am", "to": "x"}])
    )
    assert code == 400
    assert {"windows[0].from", "windows[0].to"} <= set(body["error"]["fields"])

    engine.clock.set(at("2026-12-22T07:00:00Z"))  # a Tuesday
    api.ok("POST", "/calendars", office("desk", windows=None), 201)
    job = api.ok(
        "POST",
        "/jobs",
        job_body(schedule="0 8,10 * * *", calendar="desk", outside_window="skip"),
        201,
    )
    assert job["next_run_time"] == "2026-12-22T08:00:00+00:00"
    api.ok("PUT", "/calendars/desk", office("desk"))  # 09:00-17:00 from now on
    replanned = api.ok("GET", f"/jobs/{job['id']}")
    assert replanned["next_run_time"] == "2026-12-22T10:00:00+00:00", "08:00 is now closed"


def test_the_cli_sets_a_calendar_s_windows_and_an_update_keeps_them(cli: Cli, api: Api) -> None:
    code, _, err = cli.run(
        "calendars",
        "create",
        "cli-office",
        "--timezone",
        "UTC",
        "--windows",
        json.dumps(OFFICE_HOURS),
    )
    assert code == 0, err
    code, _, err = cli.run("calendars", "update", "cli-office", "--dates", "2026-12-24")
    assert code == 0, err
    assert api.ok("GET", "/calendars/cli-office")["windows"] == OFFICE_HOURS
    code, _, err = cli.run("calendars", "update", "cli-office", "--windows", "")
    assert code == 0, err
    assert api.ok("GET", "/calendars/cli-office")["windows"] is None
