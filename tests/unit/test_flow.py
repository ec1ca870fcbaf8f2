"""Keyed flow control as values: a key resolved from a run's payload, the controls a run
is under (its job's own, else its handler's defaults), and the bad declarations named."""

from __future__ import annotations

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
    ],
)
def test_a_key_resolves_per_payload(spec: Any, payload: dict[str, Any], key: str) -> None:
    assert flow.resolve_key(spec, payload) == key


@pytest.mark.parametrize(
    ("payload", "problem"),
    [
        ({}, "is required"),
        ({"customer": {}}, "is required"),
        ({"customer": {"id": None}}, "must be text, a number or a boolean"),
        ({"customer": {"id": {"x": 1}}}, "must be text, a number or a boolean"),
        ({"customer": {"id": ""}}, "must be 1 to 200 characters"),
        ({"customer": {"id": "x" * 201}}, "must be 1 to 200 characters"),
        ({"customer": {"id": "a\nb"}}, "one line"),
        ({"customer": "acme"}, "is required"),
    ],
)
def test_a_payload_without_the_key_is_named(payload: dict[str, Any], problem: str) -> None:
    with pytest.raises(flow.KeyMissing) as exc:
        flow.resolve_key(REF, payload)
    assert exc.value.field == "payload.customer.id"
    assert problem in exc.value.problem


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

    handler("mine.export", concurrency={"key": REF, "limit": 2})(export)
    (spec,) = [h for h in declared_in(__name__) if h.name == "mine.export"]
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
    ],
)
def test_what_holds_a_key(
    row: dict[str, Any], in_flight: int, starts: list[datetime], state: flow.KeyState
) -> None:
    assert flow.key_state(row, in_flight, starts, NOW) == state
