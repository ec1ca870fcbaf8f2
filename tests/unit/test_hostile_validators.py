"""Pure validators for hostile input to workflows, flow control and calendars, as
tables: what a reference brings in at run time, stored steps that no longer read, flow
keys and ICS text PostgreSQL could not store, times that overflow."""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from jobsched.domain import flow, spread
from jobsched.domain.ics import (
    MAX_EVENT_DAYS_IN_ALL,
    MAX_SUMMARY_CHARS,
    IcsError,
    parse_ics,
)
from jobsched.domain.windows import policy_from_dict
from jobsched.domain.workflow_advance import (
    MAX_PAYLOAD_BYTES,
    MAX_STEP_PAYLOADS_BYTES,
    ItemState,
    StepState,
    advance,
)
from jobsched.domain.workflows import stored_steps_problem
from jobsched.errors import ValidationError


def _step(sid: str, **more: Any) -> dict[str, Any]:
    base = {"after": [], "when": "success", "payload": {}, "for_each": None}
    return {**base, "max_concurrency": None, "id": sid, **more}


def _done(result: Any) -> StepState:
    return StepState("SUCCEEDED", executions={0: ItemState("SUCCEEDED", result, None)})


@pytest.mark.parametrize(
    ("result", "says"),
    [
        ([1, 2], "resolves to a list, not an object"),
        ("text", "resolves to text, not an object"),
        (None, "resolves to null, not an object"),
        (7, "resolves to a number, not an object"),
        ({"blob": "x" * MAX_PAYLOAD_BYTES}, f"at most {MAX_PAYLOAD_BYTES}"),
    ],
)
def test_a_step_whose_payload_resolves_to_what_no_execution_takes_fails_saying_why(
    result: Any, says: str
) -> None:
    steps = [_step("a"), _step("b", after=["a"], payload={"$ref": "steps.a.result"})]
    out = advance(steps, {"a": _done(result)}, None)
    assert out.changed["b"].status == "FAILED"
    assert says in out.changed["b"].reason
    assert out.launches == []


def test_a_fan_out_whose_payloads_weigh_too_much_together_fails_before_launching_any() -> None:
    big = {"blob": "x" * (MAX_PAYLOAD_BYTES - 100)}
    items = list(range(MAX_STEP_PAYLOADS_BYTES // MAX_PAYLOAD_BYTES + 1))
    steps = [
        _step("a"),
        _step(
            "b",
            after=["a"],
            for_each={"$ref": "steps.a.result.items"},
            payload={"big": {"$ref": "steps.a.result.big"}},
        ),
    ]
    out = advance(steps, {"a": _done({"items": items, "big": big})}, None)
    assert out.changed["b"].status == "FAILED"
    assert f"more than {MAX_STEP_PAYLOADS_BYTES} bytes" in out.changed["b"].reason
    assert out.launches == []


def test_a_payload_within_the_bound_still_launches() -> None:
    steps = [_step("a"), _step("b", after=["a"], payload={"r": {"$ref": "steps.a.result"}})]
    out = advance(steps, {"a": _done({"blob": "x" * 1000})}, None)
    assert [x.step_id for x in out.launches] == ["b"]


SOUND = {"id": "a", "handler": "test.echo"}


@pytest.mark.parametrize(
    ("steps", "where"),
    [
        ("oops", "steps"),
        (None, "steps"),
        ([], "steps"),
        ([1], "steps[0]"),
        ([{"id": "a"}], "steps[0].handler"),
        ([SOUND, SOUND], "steps[1].id"),
        ([{**SOUND, "after": ["zz"]}], "steps[0].after"),
        ([{**SOUND, "after": ["a"]}], "steps"),  # a cycle
        ({"$unreadable": "stored JSON is nested too deeply"}, "steps"),
    ],
)
def test_stored_steps_that_no_longer_read_are_named(steps: Any, where: str) -> None:
    problem = stored_steps_problem(steps)
    assert problem is not None and f"({where}:" in problem


def test_stored_steps_as_written_read() -> None:
    stored = {**SOUND, "payload": {}, "after": [], "when": "success", "pool": "default"}
    assert stored_steps_problem([stored]) is None


@pytest.mark.parametrize("bad", ["a\x00b", "\ud800"])
def test_a_flow_key_postgresql_cannot_store_is_refused(bad: str) -> None:
    assert flow.ref_problem(f"payload.{bad}") is not None
    with pytest.raises(flow.KeyMissing):
        flow.resolve_key({"$ref": "payload.k"}, {"k": bad})
    with pytest.raises(flow.KeyMissing) as caught:
        spread.keys_of({"keys": ["ok", bad]}, {})
    assert caught.value.field == "spread.keys[1]"


@pytest.mark.parametrize(
    ("text", "zone", "says"),
    [
        ("BEGIN:VCALENDAR\nX-A:a\x00b\nEND:VCALENDAR", "UTC", "line 2: must not contain NUL"),
        ("BEGIN:VCALENDAR\nX-A:\udc80\nEND:VCALENDAR", "UTC", "line 2: must not contain unpaired"),
        (
            "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:99991231T230000Z\nEND:VEVENT\nEND:VCALENDAR",
            "Asia/Tokyo",
            "line 3: out of range",
        ),
        (
            "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;VALUE=DATE:00010101\n"
            "DTEND;VALUE=DATE:00010101\nEND:VEVENT\nEND:VCALENDAR",
            "UTC",
            "line 4: out of range",
        ),
    ],
)
def test_ics_text_that_cannot_be_stored_or_dated_names_its_line(
    text: str, zone: str, says: str
) -> None:
    with pytest.raises(IcsError) as caught:
        parse_ics(text, ZoneInfo(zone))
    assert str(caught.value).startswith(says)


@pytest.mark.parametrize(
    ("blackout", "field", "says"),
    [
        ({"start": "0001-01-01T00:00:00+01:00", "end": "2026-01-01T00:00:00Z"}, "start", "9999"),
        ({"start": "2026-01-01T00:00:00Z", "end": "9999-12-31T23:00:00-05:00"}, "end", "9999"),
        ({"start": "2026-01-01T00:00:00Z", "end": "2026-01-02T00:00:00Z", "x": 1}, "x", "unknown"),
    ],
)
def test_a_blackout_that_overflows_or_carries_unknown_fields_is_named(
    blackout: dict, field: str, says: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        policy_from_dict({"blackouts": [blackout]}, "UTC")
    assert says in caught.value.fields[f"blackouts[0].{field}"]


def _calendar_of(*events: str) -> str:
    body = "".join(f"BEGIN:VEVENT\n{e}\nEND:VEVENT\n" for e in events)
    return f"BEGIN:VCALENDAR\n{body}END:VCALENDAR\n"


def test_ics_events_covering_too_many_days_in_all_are_refused() -> None:
    """Year-long events with their own summaries: each day would list them all (12,000
    of them in a megabyte took minutes of CPU and answered megabytes per day)."""
    year = "DTSTART;VALUE=DATE:20260101\nDTEND;VALUE=DATE:20261231"
    text = _calendar_of(*(f"{year}\nSUMMARY:closure {i}" for i in range(200)))
    with pytest.raises(IcsError) as caught:
        parse_ics(text, ZoneInfo("UTC"))
    assert f"more than {MAX_EVENT_DAYS_IN_ALL} event-days" in str(caught.value)


def test_a_days_reason_stays_short_whatever_the_summaries() -> None:
    many = [f"DTSTART;VALUE=DATE:20261225\nSUMMARY:event {i}" for i in range(30)]
    long = "DTSTART;VALUE=DATE:20261226\nSUMMARY:" + "y" * 50_000
    days = parse_ics(_calendar_of(*many, long), ZoneInfo("UTC"))
    christmas, boxing = days[date(2026, 12, 25)], days[date(2026, 12, 26)]
    assert christmas.startswith("event 0; event 1") and christmas.endswith("and 25 more")
    assert len(boxing) <= MAX_SUMMARY_CHARS


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("concurrency", "x", "JSON object"),
        ("concurrency", {"key": 5, "limit": 1}, "key"),
        ("concurrency", {"key": {"$ref": 5}, "limit": 1}, "key"),
        ("concurrency", {"key": "k", "limit": "2"}, "limit"),
        ("rate", {"key": "k", "limit": 1}, "period_ms"),
        ("debounce", {"key": "k"}, "delay_ms"),
        ("singleton", [1], "JSON object"),
    ],
)
def test_a_stored_flow_control_that_no_longer_reads_is_named(
    name: str, value: Any, says: str
) -> None:
    assert says in (flow.stored_control_problem(name, value) or "")
    with pytest.raises(flow.StoredControlBroken) as caught:
        flow.controls_of({name: value}, None)
    assert caught.value.name == name


def test_stored_flow_controls_as_written_read() -> None:
    own = {
        "concurrency": {"key": {"$ref": "payload.c"}, "limit": 2},
        "rate": {"key": "k", "limit": 1, "period_ms": 1000, "mode": "queue"},
        "debounce": {"key": "k", "delay_ms": 10, "max_delay_ms": None},
        "singleton": {"key": "k", "mode": "skip"},
    }
    assert flow.controls_of(own, None) == own
