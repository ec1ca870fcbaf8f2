"""Hostile input to the routes of workflows, flow control and calendars: a 400 naming
the field, never a 500 and nothing half-written; a stored row that no longer parses
does not break a list for everyone (the jobs' counterpart: test_api_input.py)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest

from tests.integration import test_api
from tests.integration.engine import Engine
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


# ------------------------------------------------------------ damaged stored rows

SOUND = {"name": "sound", "steps": [step(payload={"token": "s3cret"})]}


def _damage_steps(engine: Engine, workflow_id: str, steps_json: str) -> None:
    """Steps as another writer (or an old version) may have left them."""
    with engine.store.tx() as conn:
        conn.execute(
            "UPDATE workflows SET steps = %s::jsonb WHERE id = %s", (steps_json, workflow_id)
        )


DAMAGED_STEPS = ['"oops"', "null", "[1]", '[{"id": "a"}]', '{"a":' * 5000 + "1" + "}" * 5000]


@pytest.mark.parametrize(
    "steps_json", DAMAGED_STEPS, ids=["text", "null", "number", "no-handler", "too-deep"]
)
def test_a_workflow_whose_stored_steps_no_longer_read_does_not_break_the_list(
    api: Api, engine: Engine, steps_json: str
) -> None:
    sound = api.ok("POST", "/workflows", SOUND, 201)
    damaged = api.ok("POST", "/workflows", workflow(name="damaged"), 201)
    _damage_steps(engine, damaged["id"], steps_json)
    reader = api.ok("POST", "/keys", {"name": "reader", "scope": "read"}, 201)
    as_reader = {"Authorization": f"Bearer {reader['key']}"}
    for headers in (test_api.AUTH, as_reader):
        code, page = api.call("GET", "/workflows", headers=headers)
        assert code == 200, page
        listed = {w["name"]: w for w in page["items"]}
        assert set(listed) == {"sound", "damaged"}
        assert api.call("GET", f"/workflows/{damaged['id']}", headers=headers)[0] == 200
    # A read key still sees the sound workflow's secret redacted.
    code, page = api.call("GET", "/workflows", headers=as_reader)
    (shown,) = [w for w in page["items"] if w["name"] == "sound"]
    assert shown["steps"][0]["payload"]["token"] != "s3cret"
    assert api.ok("GET", f"/workflows/{sound['id']}")["steps"][0]["payload"]["token"] == "s3cret"


@pytest.mark.parametrize(
    "steps_json", DAMAGED_STEPS, ids=["text", "null", "number", "no-handler", "too-deep"]
)
def test_a_workflow_whose_stored_steps_no_longer_read_is_refused_until_its_steps_are_sent(
    api: Api, engine: Engine, steps_json: str
) -> None:
    damaged = api.ok("POST", "/workflows", workflow(name="damaged"), 201)
    _damage_steps(engine, damaged["id"], steps_json)
    path = f"/workflows/{damaged['id']}"
    assert set(refused(api, "PUT", path, {"description": "still broken"})) == {"steps"}
    code, answer = api.call("POST", f"{path}/trigger")
    assert code == 409, answer
    assert "steps" in answer["error"]["message"]
    assert api.ok("GET", f"{path}/runs")["items"] == []  # no run half-written
    # Sending steps repairs it.
    repaired = api.ok("PUT", path, {"steps": [step()]})
    assert repaired["steps"][0]["id"] == "a"
    api.ok("POST", f"{path}/trigger", None, 202)


@pytest.mark.parametrize("steps_json", DAMAGED_STEPS[:3], ids=["text", "null", "number"])
def test_a_run_whose_stored_steps_no_longer_read_fails_instead_of_running_forever(
    api: Api, engine: Engine, steps_json: str
) -> None:
    """A run's own copy of the steps damaged while its first step runs: when that step
    ends, the run cannot advance; it ends FAILED (the worker goes on), and a retry is
    refused saying why. (Steps that still read as a graph, a handler missing, advance
    as they read: the missing handler fails its step when it runs.)"""
    wf = api.ok("POST", "/workflows", workflow(step(), step(id="b", after=["a"])), 201)
    run = api.ok("POST", f"/workflows/{wf['id']}/trigger", None, 202)
    with engine.store.tx() as conn:
        conn.execute(
            "UPDATE workflow_runs SET steps = %s::jsonb WHERE id = %s", (steps_json, run["id"])
        )
    path = f"/workflow-runs/{run['id']}"
    engine.run_until(lambda: api.ok("GET", path)["status"] == "FAILED")
    code, answer = api.call("POST", f"{path}/retry")
    assert code == 409 and "steps" in answer["error"]["message"], answer
    # The worker still runs other work.
    job_id = engine.create_job()
    other = engine.service.trigger_job(job_id, None)
    engine.run_until(lambda: engine.status(other["id"]) == "SUCCEEDED")


# --------------------------------------------------------------- calendar paging


def test_calendars_page_with_limit_and_next_cursor_as_the_other_lists_do(api: Api) -> None:
    names = [f"cal-{i:02d}" for i in range(7)]
    for name in reversed(names):
        api.ok("POST", "/calendars", calendar(name=name), 201)
    seen: list[str] = []
    path = "/calendars?limit=3"
    while path:
        page = api.ok("GET", path)
        assert page["total"] == 7
        assert len(page["items"]) <= 3
        seen += [c["name"] for c in page["items"]]
        cursor = page["next_cursor"]
        path = f"/calendars?limit=3&cursor={cursor}" if cursor else ""
    assert seen == names  # by name, each once
    assert len(api.ok("GET", "/calendars")["items"]) == 7


def big_ics(kilobytes: int) -> str:
    """A valid ICS of about this many kilobytes (one holiday, a long description)."""
    return ics(f"DTSTART;VALUE=DATE:20261225\nDESCRIPTION:{'x' * (kilobytes * 1024)}")


def test_calendars_with_megabyte_ics_texts_are_read_only_as_far_as_a_page_holds(
    api: Api, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each ICS is 600 KB and a page holds about a megabyte: a page of 200 reads the
    first two whole (the second might still fit by its size alone), never the rest; the
    API answers one, then the next from its cursor, until every calendar was seen."""
    names = [f"heavy-{i}" for i in range(5)]
    for name in names:
        api.ok("POST", "/calendars", calendar(name=name, ics=big_ics(600)), 201)
    read_whole: list[list[str]] = []
    execute = psycopg.Cursor.execute

    def watched(self: psycopg.Cursor[Any], query: Any, params: Any = None, **kw: Any) -> Any:
        if isinstance(query, str) and "FROM calendars WHERE name = ANY" in query:
            read_whole.append(list(params["names"]))
        return execute(self, query, params, **kw)

    monkeypatch.setattr(psycopg.Cursor, "execute", watched)
    seen: list[str] = []
    path = "/calendars?limit=200"
    while path:
        page = api.ok("GET", path)
        seen += [c["name"] for c in page["items"]]
        assert [len(c["ics"]) > 600 * 1024 for c in page["items"]] == [True]
        cursor = page["next_cursor"]
        path = f"/calendars?limit=200&cursor={cursor}" if cursor else ""
    assert seen == names
    assert read_whole[0] == names[:2] and all(len(r) <= 2 for r in read_whole)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("limit=1%00", "limit"),
        ("cursor=%00", "cursor"),
        ("cursor=bm90LWEtY3Vyc29y", "cursor"),  # "not-a-cursor"
    ],
)
def test_a_bad_calendar_page_query_is_a_400_naming_it(api: Api, query: str, field: str) -> None:
    assert set(refused(api, "GET", f"/calendars?{query}")) == {field}


def test_a_cursor_of_another_list_is_refused_by_the_calendars(api: Api) -> None:
    for i in range(3):
        api.ok("POST", "/workflows", workflow(name=f"wf-{i}"), 201)
    cursor = api.ok("GET", "/workflows?limit=1")["next_cursor"]
    assert set(refused(api, "GET", f"/calendars?cursor={cursor}")) == {"cursor"}


DAMAGES = {  # what is damaged: the days it reads, or only the windows its jobs read
    "zone": ("UPDATE calendars SET timezone = 'Not/AZone' WHERE name = 'bad'", True),
    "ics": ("UPDATE calendars SET ics = 'not a calendar' WHERE name = 'bad'", True),
    "windows": ("""UPDATE calendars SET windows = '"x"'::jsonb WHERE name = 'bad'""", False),
    "country": ("UPDATE calendars SET holiday_country = 'ZZ' WHERE name = 'bad'", True),
}


@pytest.mark.parametrize("damage", DAMAGES.values(), ids=DAMAGES.keys())
def test_a_calendar_whose_stored_row_no_longer_checks_is_a_409_not_the_callers_400(
    api: Api, engine: Engine, damage: tuple[str, bool]
) -> None:
    """The caller sent nothing wrong: what is wrong is stored, so it is a conflict that
    says what to fix, and the other calendars, the list and the tick are unaffected."""
    engine.clock.set(datetime(2026, 12, 7, 1, 59, tzinfo=UTC))
    api.ok("POST", "/calendars", calendar(name="good"), 201)
    api.ok("POST", "/calendars", calendar(name="bad"), 201)
    good = api.ok("POST", "/jobs", job_body(name="g", schedule="0 2 * * *", calendar="good"), 201)
    bad = api.ok("POST", "/jobs", job_body(name="b", schedule="0 2 * * *", calendar="bad"), 201)
    sql, days_damaged = damage
    with engine.store.tx() as conn:
        conn.execute(sql)
    assert [c["name"] for c in api.ok("GET", "/calendars")["items"]] == ["bad", "good"]
    assert api.ok("GET", "/calendars/bad")["name"] == "bad"
    damaged = [f"/jobs/{bad['id']}/occurrences"] + (["/calendars/bad/days"] if days_damaged else [])
    for path in damaged:
        code, answer = api.call("GET", path)
        assert code == 409, (path, answer)
        assert "stored" in answer["error"]["message"] or "computed" in answer["error"]["message"]
    assert api.ok("GET", "/calendars/good/days")["items"]
    assert api.ok("GET", f"/jobs/{good['id']}/occurrences")["items"] is not None
    engine.clock.set(datetime(2026, 12, 7, 2, 0, tzinfo=UTC))
    engine.scheduler.run_once(engine.clock.now())
    assert api.ok("GET", f"/jobs/{good['id']}/executions")["total"] == 1
    # Writing the calendar again repairs it.
    api.ok("PUT", "/calendars/bad", calendar(name="bad"))
    assert api.ok("GET", "/calendars/bad/days")["items"]


# ------------------------------------------------------- references at run time


def _ended(api: Api, engine: Engine, run_id: str) -> dict[str, Any]:
    def ended() -> Any:
        run = api.ok("GET", f"/workflow-runs/{run_id}")
        return run if run["status"] in ("SUCCEEDED", "FAILED", "CANCELLED") else None

    return engine.run_until(ended, timeout=60)


def test_a_step_whose_references_resolve_past_the_payload_bound_fails_saying_so(
    api: Api, engine: Engine
) -> None:
    """A fan-in of 20 results of 60 KB each would be a 1.2 MB payload (1,000 results of
    256 KB: 256 MB in one transaction): the step fails, naming the size, and writes none."""
    blob = "x" * 60_000
    body = workflow(
        step(
            id="fan",
            for_each={"$ref": "input.items"},
            payload={"blob": blob, "i": {"$ref": "item"}},
        ),
        step(id="all", after=["fan"], payload={"results": {"$ref": "steps.fan.result"}}),
    )
    wf = api.ok("POST", "/workflows", body, 201)
    run = api.ok(
        "POST", f"/workflows/{wf['id']}/trigger", {"input": {"items": list(range(20))}}, 202
    )
    ended = _ended(api, engine, run["id"])
    steps = {s["id"]: s for s in ended["steps"]}
    assert steps["fan"]["status"] == "SUCCEEDED"
    assert (ended["status"], steps["all"]["status"]) == ("FAILED", "FAILED")
    assert "bytes" in steps["all"]["reason"], steps["all"]
    assert steps["all"]["execution_ids"] == []


def test_a_step_whose_whole_payload_resolves_to_no_object_fails_saying_so(
    api: Api, engine: Engine
) -> None:
    body = workflow(step(payload={"$ref": "input.items"}))
    wf = api.ok("POST", "/workflows", body, 201)
    run = api.ok("POST", f"/workflows/{wf['id']}/trigger", {"input": {"items": [1, 2]}}, 202)
    ended = _ended(api, engine, run["id"])
    (only,) = ended["steps"]
    assert (ended["status"], only["status"]) == ("FAILED", "FAILED")
    assert "object" in only["reason"], only
    assert only["execution_ids"] == []


@pytest.mark.parametrize("steps_json", ['"oops"', "[1]"], ids=["text", "number"])
def test_a_run_whose_stored_steps_no_longer_read_fails_and_is_not_retried(
    api: Api, engine: Engine, steps_json: str
) -> None:
    """A run keeps the steps of its version: damaged, it ends FAILED once its running
    step ends, cannot run again (409), and the worker keeps working for everyone else.
    A handler with flow defaults is registered: the run's lock reads its steps'
    handlers' defaults, and it must not trip over steps that are no list (a 500 then,
    and the worker's ends refused)."""
    wf = api.ok("POST", "/workflows", workflow(step(), step(id="b", after=["a"])), 201)
    run = api.ok("POST", f"/workflows/{wf['id']}/trigger", None, 202)
    flowing = f"test.flowing-{uuid.uuid4().hex[:8]}"
    with engine.store.tx() as conn:
        conn.execute(
            "UPDATE workflow_runs SET steps = %s::jsonb WHERE id = %s", (steps_json, run["id"])
        )
        conn.execute(
            "INSERT INTO handler_catalog (name, flow, updated_at)"
            ' VALUES (%s, \'{"concurrency": {"key": "k", "limit": 1}}\', now())',
            (flowing,),
        )
    job = api.ok("POST", "/jobs", job_body(), 201)
    execution = api.ok("POST", f"/jobs/{job['id']}/trigger", None, 202)
    engine.run_until(
        lambda: api.ok("GET", f"/executions/{execution['id']}")["status"] == "SUCCEEDED"
    )
    # Its first step ended and it could not advance: FAILED, not left running.
    engine.run_until(lambda: api.ok("GET", f"/workflow-runs/{run['id']}")["status"] == "FAILED")
    assert api.call("POST", f"/workflow-runs/{run['id']}/cancel")[0] == 409  # ended already
    code, answer = api.call("POST", f"/workflow-runs/{run['id']}/retry")
    assert code == 409, answer
    assert "steps" in answer["error"]["message"]
    assert api.ok("GET", f"/workflow-runs/{run['id']}")["status"] == "FAILED"
    with engine.store.tx() as conn:
        conn.execute("DELETE FROM handler_catalog WHERE name = %s", (flowing,))


# -------------------------------------------- what was already refused, kept so


def _raw_workflow(steps_json: str, **fields: str) -> str:
    extra = "".join(f', "{k}": {v}' for k, v in fields.items())
    return f'{{"name": "raw", "steps": {steps_json}{extra}}}'


ECHO = '{"id": "a", "handler": "test.echo"'


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (_raw_workflow("[" + ECHO + ', "payload": {"a": "\\ud800"}}]'), "steps[0].payload"),
        (_raw_workflow("[" + ECHO + ', "payload": {"a": NaN}}]'), "body"),
        (_raw_workflow("[" + ECHO + ', "priority": 1180591620717411303424}]'), "steps[0].priority"),
        (_raw_workflow("[" + ECHO + ', "priority": -1}]'), "steps[0].priority"),
        (_raw_workflow("[" + ECHO + ', "max_retries": 1.5}]'), "steps[0].max_retries"),
        (_raw_workflow("[" + ECHO + ', "timeout_ms": true}]'), "steps[0].timeout_ms"),
        (_raw_workflow("[" + ECHO + ', "when": "a\\u0000"}]'), "steps[0].when"),
        (
            _raw_workflow(
                "[" + ECHO + ', "payload": ' + '{"a":' * 10_000 + "1" + "}" * 10_001 + "]"
            ),
            "body",
        ),
        (_raw_workflow("[" + ECHO + "}]", timezone='"Europe/\\u0000"'), "timezone"),
        (
            _raw_workflow(
                "[" + ECHO + ', "payload": {"r": {"$ref": "steps.b.result"}}}, '
                '{"id": "b", "handler": "test.echo"}]'
            ),
            "steps[0].payload.r",
        ),
        (_raw_workflow("[" + ECHO + ', "for_each": [1, 2]}]'), "steps[0].for_each"),
        (_raw_workflow("[" + ECHO + ', "for_each": {"$ref": "item"}}]'), "steps[0].for_each"),
    ],
    ids=[
        "surrogate-payload",
        "nan",
        "2**70",
        "negative",
        "float-for-int",
        "bool-for-int",
        "nul-when",
        "10000-levels",
        "nul-zone",
        "not-upstream",
        "for-each-literal",
        "for-each-item",
    ],
)
def test_bad_workflow_input_is_a_400_naming_the_field(api: Api, raw: str, field: str) -> None:
    assert set(refused(api, "POST", "/workflows", raw=raw)) == {field}
    assert api.ok("GET", "/workflows")["total"] == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {
                "input": {
                    "a": {"b": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}
                }
            },
            "input",
        ),
        ({"input": {"a\u0000": 1}}, "input"),
        ({"input": [1]}, "input"),
        ({"delay_ms": 2**70}, "delay_ms"),
        ({"run_at": "0001-01-01T00:00:00+01:00"}, "run_at"),
    ],
    ids=["deep", "nul-key", "list", "huge-delay", "year-1"],
)
def test_a_bad_workflow_trigger_is_a_400_and_makes_no_run(api: Api, body: dict, field: str) -> None:
    wf = api.ok("POST", "/workflows", workflow(), 201)
    assert set(refused(api, "POST", f"/workflows/{wf['id']}/trigger", raw=json.dumps(body))) == {
        field
    }
    assert api.ok("GET", f"/workflows/{wf['id']}/runs")["items"] == []


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (ics("DTSTART;VALUE=DATE:20260101\nRRULE:FREQ=DAILY;COUNT=999999999"), "RRULE"),
        (ics("DTSTART;VALUE=DATE:20260101\nRRULE:FREQ=DAILY;UNTIL=99991231"), "RRULE"),
        (ics("DTSTART;TZID=Nowhere/Land:20260101T100000"), "unknown TZID"),
        (ics("DTSTART;TZID=../../etc/passwd:20260101T100000"), "unknown TZID"),
        (ics("DTSTART;VALUE=DATE:20260101\nDTEND;VALUE=DATE:29991231"), "at most 366 days"),
        ("BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:2026\nEND:VEVENT", "line 3"),
        ("BEGIN:VCALENDAR\n" + "x" * 900_000, "line 2"),
    ],
    ids=["rrule-count", "rrule-until", "tzid", "tzid-path", "long-event", "broken", "huge"],
)
def test_ics_the_parser_does_not_read_is_a_400_saying_why(api: Api, text: str, says: str) -> None:
    fields = refused(api, "POST", "/calendars", raw=json.dumps(calendar(ics=text)))
    assert set(fields) == {"ics"} and says in fields["ics"], fields


def test_a_dst_ambiguous_or_missing_local_time_in_ics_counts_on_its_day(api: Api) -> None:
    text = ics(
        "DTSTART;TZID=Europe/London:20261025T013000\nSUMMARY:repeated hour",
        "DTSTART;TZID=Europe/London:20260329T013000\nSUMMARY:missing hour",
    )
    api.ok("POST", "/calendars", calendar(timezone="Europe/London", ics=text), 201)
    days = api.ok("GET", "/calendars/cal/days?since=2026-10-25&until=2026-10-25")["items"]
    assert days == [{"date": "2026-10-25", "business": False, "reason": "repeated hour"}]
    days = api.ok("GET", "/calendars/cal/days?since=2026-03-29&until=2026-03-29")["items"]
    assert days[0]["reason"] == "missing hour"


STORED_CONTROLS = {
    "not-an-object": ("concurrency", '"x"'),
    "key-a-number": ("concurrency", '{"key": 5, "limit": 1}'),
    "limit-text": ("concurrency", '{"key": "k", "limit": "a"}'),
    "rate-a-list": ("rate", "[1]"),
    "debounce-no-delay": ("debounce", '{"key": "k"}'),
}


@pytest.mark.parametrize("damage", STORED_CONTROLS.values(), ids=STORED_CONTROLS.keys())
def test_a_job_whose_stored_flow_control_no_longer_reads_is_a_409_until_sent_anew(
    api: Api, engine: Engine, damage: tuple[str, str]
) -> None:
    control, stored = damage
    job = api.ok("POST", "/jobs", job_body(concurrency={"key": "k", "limit": 1}), 201)
    with engine.store.tx() as conn:
        # The column name comes from the table above, not from input.
        conn.execute(f"UPDATE jobs SET {control} = %s::jsonb WHERE id = %s", (stored, job["id"]))
    assert api.call("GET", "/jobs")[0] == 200
    assert api.call("GET", f"/jobs/{job['id']}")[0] == 200
    code, answer = api.call("POST", f"/jobs/{job['id']}/trigger")
    assert code == 409, answer
    assert control in answer["error"]["message"]
    assert api.ok("GET", f"/jobs/{job['id']}/executions")["total"] == 0
    fields = refused(api, "PUT", f"/jobs/{job['id']}", {"description": "still broken"})
    assert set(fields) == {control}
    api.ok("PUT", f"/jobs/{job['id']}", {control: None, "concurrency": None})
    api.ok("POST", f"/jobs/{job['id']}/trigger", None, 202)


def test_a_scheduled_job_whose_stored_flow_control_no_longer_reads_is_flagged_not_run(
    api: Api, engine: Engine
) -> None:
    engine.clock.set(datetime(2026, 12, 7, 1, 59, tzinfo=UTC))
    good = api.ok("POST", "/jobs", job_body(name="g", schedule="0 2 * * *"), 201)
    bad = api.ok(
        "POST",
        "/jobs",
        job_body(name="b", schedule="0 2 * * *", concurrency={"key": "k", "limit": 1}),
        201,
    )
    with engine.store.tx() as conn:
        conn.execute("UPDATE jobs SET concurrency = '\"x\"'::jsonb WHERE id = %s", (bad["id"],))
    engine.clock.set(datetime(2026, 12, 7, 2, 0, tzinfo=UTC))
    engine.scheduler.run_once(engine.clock.now())
    assert api.ok("GET", f"/jobs/{good['id']}/executions")["total"] == 1
    assert api.ok("GET", f"/jobs/{bad['id']}/executions")["total"] == 0
    assert "concurrency" in api.ok("GET", f"/jobs/{bad['id']}")["schedule_error"]
