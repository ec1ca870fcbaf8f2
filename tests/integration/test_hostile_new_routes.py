"""Hostile input to the routes of workflows, flow control and calendars: a 400 naming
the field, never a 500 and nothing half-written; a stored row that no longer parses
does not break a list for everyone (the jobs' counterpart: test_api_input.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.integration import test_api
from tests.integration.test_api import Api, job_body

api = test_api.api  # the same in-process API fixture


def refused(api: Api, method: str, path: str, body: Any = None, raw: str | None = None) -> dict:
    code, answer = api.call(method, path, body=body, raw=raw)
    assert code == 400, answer
    assert answer["error"]["code"] == "validation_error"
    return answer["error"]["fields"]


def step(**extra: Any) -> dict[str, Any]:
    return {"id": "a", "handler": "test.echo", **extra}


def workflow(*steps: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"name": "wf", "steps": list(steps) or [step()], **extra}


def ics(*events: str) -> str:
    body = "".join(f"BEGIN:VEVENT\n{e}\nEND:VEVENT\n" for e in events)
    return f"BEGIN:VCALENDAR\n{body}END:VCALENDAR\n"


def calendar(**extra: Any) -> dict[str, Any]:
    return {"name": "cal", "timezone": "UTC", **extra}


NUL, LONE = "a\u0000b", "\ud800"
DAY = {"start": "2026-01-01T00:00:00Z", "end": "2026-01-02T00:00:00Z"}


# ------------------------------------------------------------ flow control keys


@pytest.mark.parametrize("bad", [NUL, LONE], ids=["nul", "surrogate"])
@pytest.mark.parametrize(
    ("fields", "field"),
    [
        (lambda s: {"concurrency": {"key": s, "limit": 1}}, "concurrency.key"),
        (
            lambda s: {"concurrency": {"key": {"$ref": f"payload.{s}"}, "limit": 1}},
            "concurrency.key",
        ),
        (lambda s: {"rate": {"key": s, "limit": 1, "period_ms": 1000}}, "rate.key"),
        (lambda s: {"debounce": {"key": s, "delay_ms": 10}}, "debounce.key"),
        (lambda s: {"singleton": {"key": s}}, "singleton.key"),
        (
            lambda s: {"schedule": "0 9 * * *", "spread": {"keys": ["ok", s], "window_ms": 1000}},
            "spread.keys[1]",
        ),
    ],
    ids=["concurrency", "concurrency-ref", "rate", "debounce", "singleton", "spread"],
)
def test_a_flow_key_postgresql_cannot_store_is_a_400_naming_it(
    api: Api, fields: Any, field: str, bad: str
) -> None:
    body = job_body(**fields(bad))
    assert set(refused(api, "POST", "/jobs", raw=json.dumps(body))) == {field}
    job = api.ok("POST", "/jobs", job_body(), 201)
    assert set(refused(api, "PUT", f"/jobs/{job['id']}", raw=json.dumps(fields(bad)))) == {field}
    assert api.ok("GET", "/jobs")["total"] == 1  # nothing half-written
    assert api.ok("GET", f"/jobs/{job['id']}")["concurrency"] is None


@pytest.mark.parametrize("bad", [NUL, LONE], ids=["nul", "surrogate"])
@pytest.mark.parametrize("control", ["concurrency", "rate"])
def test_a_workflow_steps_flow_key_postgresql_cannot_store_is_a_400(
    api: Api, control: str, bad: str
) -> None:
    spec = {"key": bad, "limit": 1} | ({"period_ms": 1000} if control == "rate" else {})
    body = workflow(step(**{control: spec}))
    assert set(refused(api, "POST", "/workflows", raw=json.dumps(body))) == {
        f"steps[0].{control}.key"
    }
    assert api.ok("GET", "/workflows")["items"] == []


# ------------------------------------------------------------------- blackouts


@pytest.mark.parametrize(
    ("blackout", "field"),
    [
        ({**DAY, "note": NUL}, "blackouts[0].note"),
        ({**DAY, "note": {"deep": [[[[]]]]}}, "blackouts[0].note"),
        ({"start": "0001-01-01T00:00:00+01:00", "end": DAY["end"]}, "blackouts[0].start"),
        ({"start": DAY["start"], "end": "9999-12-31T23:59:59-05:00"}, "blackouts[0].end"),
    ],
    ids=["unknown-field-nul", "unknown-field", "year-1", "year-9999"],
)
def test_a_bad_blackout_is_a_400_naming_it_on_a_job_and_a_calendar(
    api: Api, blackout: dict, field: str
) -> None:
    raw = json.dumps(job_body(blackouts=[blackout]))
    assert set(refused(api, "POST", "/jobs", raw=raw)) == {field}
    raw = json.dumps(calendar(blackouts=[blackout]))
    assert set(refused(api, "POST", "/calendars", raw=raw)) == {field}
    assert api.ok("GET", "/jobs")["total"] == 0
    assert api.ok("GET", "/calendars")["items"] == []


# ------------------------------------------------------------------- ICS import


@pytest.mark.parametrize(
    ("zone", "text", "problem"),
    [
        ("UTC", ics(f"DTSTART;VALUE=DATE:20261225\nSUMMARY:{NUL}"), "line 4: must not contain NUL"),
        ("UTC", ics(f"DTSTART;VALUE=DATE:20261225\nSUMMARY:{LONE}"), "line 4: must not contain"),
        ("UTC", f"BEGIN:VCALENDAR\nX-{NUL}:1\nEND:VCALENDAR", "line 2: must not contain NUL"),
        ("Pacific/Kiritimati", ics("DTSTART:99991231T230000Z"), "line 3:"),
        ("Pacific/Kiritimati", ics("DTSTART;TZID=UTC:99991231T230000"), "line 3:"),
        ("America/New_York", ics("DTSTART:00010101T000000Z"), "line 3:"),
        ("UTC", ics("DTSTART;VALUE=DATE:00010101\nDTEND;VALUE=DATE:00010101"), "line 4:"),
        ("UTC", ics("DTSTART:00010101T000000\nDTEND:00010101T000000"), "line 4:"),
    ],
    ids=[
        "summary-nul",
        "summary-surrogate",
        "property-nul",
        "utc-past-9999",
        "tzid-past-9999",
        "before-year-1",
        "all-day-end-before-year-1",
        "timed-end-before-year-1",
    ],
)
def test_ics_text_that_cannot_be_stored_or_dated_is_a_400_naming_its_line(
    api: Api, zone: str, text: str, problem: str
) -> None:
    fields = refused(api, "POST", "/calendars", raw=json.dumps(calendar(timezone=zone, ics=text)))
    assert set(fields) == {"ics"}
    assert fields["ics"].startswith(problem), fields
    assert api.ok("GET", "/calendars")["items"] == []
