"""Keyed flow control as values: a key resolved from a run's payload, the controls a run
is under (its job's own, else its handler's defaults), and the bad declarations named."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from jobsched.domain import flow, triggering
from jobsched.domain.validation import validate_job_create
from jobsched.errors import ValidationError
from jobsched.plugins import handler
from jobsched.registry import HandlerRegistry, check_flow

REF = {"$ref": "payload.customer.id"}


@pytest.mark.parametrize(
    ("spec", "payload", "key"),
    [
        ("exports", {}, "exports"),
        (REF, {"customer": {"id": "acme"}}, "acme"),
        (REF, {"customer": {"id": 42}}, "42"),
        (REF, {"customer": {"id": True}}, "true"),
        ({"$ref": "payload.items.1"}, {"items": ["a", "b"]}, "b"),
        (REF, {"customer": {"id": "x" * 200}}, "x" * 200),  # the longest key taken
    ],
)
def test_a_key_resolves_per_payload(spec: Any, payload: dict[str, Any], key: str) -> None:
    assert flow.resolve_key(spec, payload) == key


MISSING = "is required: a flow control's key refers to it"
NOT_TEXT = "must be text, a number or a boolean: a flow control's key"
BAD_TEXT = (
    "must be 1 to 200 characters on one line, without NUL or unpaired surrogates: "
    "a flow control's key"
)


@pytest.mark.parametrize(
    ("payload", "problem"),
    [
        ({}, MISSING),
        ({"customer": {}}, MISSING),
        ({"customer": {"id": None}}, NOT_TEXT),
        ({"customer": {"id": {"x": 1}}}, NOT_TEXT),
        ({"customer": {"id": ""}}, BAD_TEXT),
        ({"customer": {"id": "x" * 201}}, BAD_TEXT),
        ({"customer": {"id": "a\nb"}}, BAD_TEXT),
        ({"customer": "acme"}, MISSING),
    ],
)
def test_a_payload_without_the_key_is_named(payload: dict[str, Any], problem: str) -> None:
    """The 400's field and message, word for word, as a caller reads them."""
    with pytest.raises(flow.KeyMissing) as exc:
        flow.resolve_key(REF, payload)
    assert exc.value.field == "payload.customer.id"
    assert exc.value.problem == str(exc.value) == problem


@pytest.mark.parametrize(
    ("ref", "payload"),
    [
        ("payload.items.2", {"items": ["a", "b"]}),  # past the list's end
        ("payload.items.0", {"items": {"a": 1}}),  # an index into an object
    ],
)
def test_an_index_names_only_an_item_of_a_list(ref: str, payload: dict[str, Any]) -> None:
    with pytest.raises(flow.KeyMissing) as exc:
        flow.resolve_key({"$ref": ref}, payload)
    assert (exc.value.field, exc.value.problem) == (ref, MISSING)


def test_a_ref_must_name_a_path_of_the_payload() -> None:
    problem = "must be payload.<path> (fields separated by dots)"
    assert flow.ref_problem("customer.id") == problem
    assert flow.ref_problem("payload..id") == problem
    assert flow.ref_problem("payload.customer.id") is None


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        ("concurrency", None, None),
        ("concurrency", "k", "must be a JSON object"),
        ("concurrency", {"key": "", "limit": 1}, 'key must be text or {"$ref": "payload.<path>"}'),
        ("concurrency", {"key": 5, "limit": 1}, 'key must be text or {"$ref": "payload.<path>"}'),
        ("concurrency", {"key": REF, "limit": 1}, None),
        ("concurrency", {"key": "k", "limit": 0}, "limit must be a whole number of at least 1"),
        ("concurrency", {"key": "k", "limit": True}, "limit must be a whole number of at least 1"),
        ("concurrency", {"key": "k", "limit": "2"}, "limit must be a whole number of at least 1"),
        ("rate", {"key": "k", "limit": 1}, "period_ms must be a whole number of at least 1"),
        ("singleton", {"key": "k", "mode": "skip"}, None),
    ],
)
def test_a_stored_control_that_no_longer_reads_says_why(
    name: str, value: Any, problem: str | None
) -> None:
    assert flow.stored_control_problem(name, value) == problem


def test_a_broken_stored_control_is_refused_by_name() -> None:
    with pytest.raises(flow.StoredControlBroken) as exc:
        flow.controls_of({"rate": {"key": "k", "limit": 1}}, None)
    assert (exc.value.name, exc.value.problem) == (
        "rate",
        "period_ms must be a whole number of at least 1",
    )
    assert str(exc.value) == "rate: period_ms must be a whole number of at least 1"


def test_a_runs_rate_and_the_columns_the_queue_holds_it_to() -> None:
    payload = {"customer": {"id": "acme"}}
    controls = {
        "concurrency": {"key": REF, "limit": 3},
        "rate": {"key": "api", "limit": 5, "period_ms": 60_000},
    }
    assert flow.rate_of(controls, payload) == flow.Rate("api", 5, 60_000, "queue")
    assert flow.execution_columns(controls, payload) == {
        "concurrency_key": "acme",
        "concurrency_limit": 3,
        "rate_key": "api",
        "rate_limit": 5,
        "rate_period_ms": 60_000,
    }
    # A reject-mode rate answers triggers with a 429: the queue holds no run to it.
    rejecting = {"rate": {"key": REF, "limit": 2, "period_ms": 1000, "mode": "reject"}}
    assert flow.rate_of(rejecting, payload) == flow.Rate("acme", 2, 1000, "reject")
    assert flow.queued_rate(flow.rate_of(rejecting, payload)) is None
    none = dict.fromkeys(
        ("concurrency_key", "concurrency_limit", "rate_key", "rate_limit", "rate_period_ms")
    )
    assert flow.execution_columns(rejecting, payload) == none
    assert flow.execution_columns({}, payload) == none
    assert flow.rate_of({}, payload) is None and flow.queued_rate(None) is None


def test_a_bursts_latest_start_is_its_first_trigger_plus_max_delay() -> None:
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    bounded = {"key": "k", "delay_ms": 100, "max_delay_ms": 5000}
    assert flow.debounce_until(now, bounded) == now + timedelta(seconds=5)
    assert flow.debounce_until(now, {"key": "k", "delay_ms": 100}) is None
    assert flow.debounce_until(now, {**bounded, "max_delay_ms": None}) is None


def test_a_jobs_own_control_wins_over_its_handlers_default() -> None:
    own = {"concurrency": {"key": "a", "limit": 1}, "rate": None}
    defaults = {"concurrency": {"key": "b", "limit": 5}, "singleton": {"key": "s", "mode": "skip"}}
    assert flow.controls_of(own, defaults) == {
        "concurrency": {"key": "a", "limit": 1},
        "singleton": {"key": "s", "mode": "skip"},
    }
    assert flow.controls_of({}, None) == {}


def test_concurrency_of_resolves_key_and_limit() -> None:
    controls = {"concurrency": {"key": REF, "limit": 2}}
    assert flow.concurrency_of(controls, {"customer": {"id": "c1"}}) == flow.Concurrency("c1", 2)
    assert flow.concurrency_of({}, {}) is None


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"concurrency": {"key": "a", "limit": 0}}, {"concurrency.limit"}),
        ({"concurrency": {"key": {"$ref": "customer"}, "limit": 1}}, {"concurrency.key"}),
        ({"concurrency": {"key": {"$ref": "payload."}, "limit": 1}}, {"concurrency.key"}),
        ({"concurrency": {"key": "  ", "limit": 1}}, {"concurrency.key"}),
        ({"concurrency": {"limit": 1}}, {"concurrency.key"}),
        ({"concurrency": {"key": "a", "limit": 1, "x": 1}}, {"concurrency.x"}),
        (
            {"rate": {"key": "a", "limit": 1, "period_ms": 0, "mode": "drop"}},
            {"rate.period_ms", "rate.mode"},
        ),
        ({"debounce": {"key": "a"}}, {"debounce.delay_ms"}),
        ({"singleton": {"key": "a", "mode": "kill"}}, {"singleton.mode"}),
        ({"singleton": "a"}, {"singleton"}),
    ],
)
def test_bad_controls_are_named_field_by_field(body: dict[str, Any], fields: set[str]) -> None:
    with pytest.raises(ValidationError) as exc:
        validate_job_create({"name": "j", "handler": "test.echo", **body}, _registry(), None)
    assert set(exc.value.fields) == fields


def test_controls_are_stored_as_the_api_takes_them() -> None:
    body = {
        "name": "j",
        "handler": "test.echo",
        "concurrency": {"key": REF, "limit": 2},
        "debounce": {"key": "d", "delay_ms": 100},
    }
    data = validate_job_create(body, _registry(), None)
    assert data["concurrency"] == {"key": REF, "limit": 2}
    assert data["debounce"] == {"key": "d", "delay_ms": 100, "max_delay_ms": None}
    assert data["rate"] is None and data["singleton"] is None


def test_a_debounce_waits_at_most_max_delay() -> None:
    body = {"debounce": {"key": "d", "delay_ms": 100, "max_delay_ms": 50}}
    with pytest.raises(ValidationError) as exc:
        validate_job_create({"name": "j", "handler": "test.echo", **body}, _registry(), None)
    assert exc.value.fields == {"debounce.max_delay_ms": "must be at least delay_ms"}


def test_a_scheduled_job_must_give_its_own_key() -> None:
    body = {
        "name": "j",
        "handler": "test.echo",
        "schedule": "* * * * *",
        "concurrency": {"key": REF, "limit": 1},
    }
    with pytest.raises(ValidationError) as exc:
        validate_job_create(body, _registry(), None)
    assert set(exc.value.fields) == {"payload.customer.id"}
    ok = validate_job_create({**body, "payload": {"customer": {"id": "a"}}}, _registry(), None)
    assert ok["concurrency"]["limit"] == 1


def test_triggered_runs_carry_their_resolved_key_or_are_refused() -> None:
    job = {"payload": {}, "concurrency": {"key": REF, "limit": 3}}
    runs = [{"payload": {"customer": {"id": "a"}}}, {"payload": {"customer": {"id": "b"}}}]
    assert triggering.run_concurrency(job, None, runs, True) == [
        flow.Concurrency("a", 3),
        flow.Concurrency("b", 3),
    ]
    with pytest.raises(triggering.KeyProblems) as exc:
        triggering.run_concurrency(job, None, [runs[0], {}], True)
    assert set(exc.value.problems) == {"runs[1].payload.customer.id"}


def test_a_handler_declares_defaults_checked_like_a_jobs() -> None:
    from jobsched.plugins import declared_in

    def export(payload: dict[str, Any], ctx: Any) -> None:
        return None

    # A name of this call's own: declarations outlive the test (mutmut runs it twice in
    # one process).
    name = f"mine.export-{uuid.uuid4().hex[:8]}"
    handler(name, concurrency={"key": REF, "limit": 2})(export)
    (spec,) = [h for h in declared_in(__name__) if h.name == name]
    assert spec.describe()["flow"] == {"concurrency": {"key": REF, "limit": 2}}
    assert check_flow("x", {"concurrency": {"key": "k", "limit": 2}, "rate": None}) == {
        "concurrency": {"key": "k", "limit": 2}
    }
    with pytest.raises(ValueError, match=r"handler 'mine\.bad': concurrency\.limit"):
        handler("mine.bad", concurrency={"key": "k", "limit": 0})


def _registry() -> HandlerRegistry:
    from jobsched.loader import load_handlers

    return load_handlers(plugins=False)


NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
RUNS = [("r1", "RUNNING"), ("q1", "QUEUED"), ("q2", "RETRYING")]


@pytest.mark.parametrize(
    ("mode", "runs", "existing", "cancel"),
    [
        ("skip", [], None, ()),
        ("skip", RUNS, "r1", ()),
        ("replace_queued", RUNS, None, ("q1", "q2")),
        ("replace_queued", [("r1", "RUNNING")], None, ()),
        ("cancel_running", RUNS, None, ("r1", "q1", "q2")),
        ("cancel_running", [], None, ()),
    ],
)
def test_a_singletons_fate(
    mode: str, runs: list[tuple[str, str]], existing: str | None, cancel: tuple[str, ...]
) -> None:
    assert flow.singleton(mode, runs) == flow.Singleton(existing, cancel)


@pytest.mark.parametrize(
    ("delay_ms", "until", "due"),
    [
        (500, None, NOW + timedelta(milliseconds=500)),
        (500, NOW + timedelta(seconds=2), NOW + timedelta(milliseconds=500)),
        (5000, NOW + timedelta(seconds=2), NOW + timedelta(seconds=2)),
    ],
)
def test_a_debounced_run_waits_delay_but_never_past_its_bound(
    delay_ms: int, until: datetime | None, due: datetime
) -> None:
    assert flow.debounce_due(NOW, delay_ms, until) == due


def _row(**values: Any) -> dict[str, Any]:
    row = {"waiting": 1, "concurrency_limit": None, "rate_limit": None, "rate_period_ms": None}
    return {**row, "debouncing": False, "due": None, **values}


@pytest.mark.parametrize(
    ("row", "in_flight", "starts", "state"),
    [
        (_row(waiting=0, concurrency_limit=1), 1, [], flow.KeyState(None, None)),
        (_row(concurrency_limit=2), 2, [], flow.KeyState("concurrency", None)),
        (_row(concurrency_limit=2), 1, [], flow.KeyState(None, None)),
        (
            _row(rate_limit=2, rate_period_ms=1000),
            0,
            [NOW - timedelta(milliseconds=900), NOW - timedelta(milliseconds=100)],
            flow.KeyState("rate", NOW + timedelta(milliseconds=100)),
        ),
        (
            _row(rate_limit=2, rate_period_ms=1000),
            0,
            [NOW - timedelta(milliseconds=100)],
            flow.KeyState(None, None),
        ),
        (
            _row(debouncing=True, due=NOW + timedelta(seconds=3)),
            0,
            [],
            flow.KeyState("debounce", NOW + timedelta(seconds=3)),
        ),
        (
            _row(due=NOW + timedelta(seconds=9)),
            0,
            [],
            flow.KeyState(None, NOW + timedelta(seconds=9)),
        ),
        # Due now or before: nothing holds it, and no time is told.
        (_row(due=NOW), 0, [], flow.KeyState(None, None)),
        (_row(due=NOW - timedelta(seconds=1)), 0, [], flow.KeyState(None, None)),
        # At its rate and due later: whichever comes last.
        (
            _row(rate_limit=1, rate_period_ms=1000, due=NOW + timedelta(seconds=5)),
            0,
            [NOW - timedelta(milliseconds=100)],
            flow.KeyState("rate", NOW + timedelta(seconds=5)),
        ),
        (
            _row(rate_limit=1, rate_period_ms=1000, due=NOW + timedelta(milliseconds=100)),
            0,
            [NOW - timedelta(milliseconds=100)],
            flow.KeyState("rate", NOW + timedelta(milliseconds=900)),
        ),
    ],
)
def test_what_holds_a_key(
    row: dict[str, Any], in_flight: int, starts: list[datetime], state: flow.KeyState
) -> None:
    assert flow.key_state(row, in_flight, starts, NOW) == state
