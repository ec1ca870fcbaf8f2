"""EventBridge schedule math, the scheduled event, the Lambda context clock, the firer."""

from __future__ import annotations

import itertools
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from infra.local.context import LocalLambdaContext
from infra.local.errors import LocalCloudError
from infra.local.events import (
    Cron,
    Rate,
    ScheduleFirer,
    next_fire,
    parse_schedule,
    rule_arn,
    scheduled_event,
)
from infra.local.runtime import FunctionRuntime
from infra.local.template import FunctionSpec, ScheduleSpec

T0 = datetime(2026, 11, 27, 12, 0, 30, tzinfo=UTC)  # a Friday


@pytest.mark.parametrize(
    ("expression", "period_s"),
    [
        ("rate(1 minute)", 60),
        ("rate(5 minutes)", 300),
        ("rate(1 hour)", 3600),
        ("rate(2 days)", 172800),
        ("rate(30 seconds)", 30),
        ("  RATE(1 Minute) ", 60),
    ],
)
def test_rate(expression: str, period_s: int) -> None:
    schedule = parse_schedule(expression)
    assert schedule == Rate(timedelta(seconds=period_s))
    assert next_fire(schedule, T0) == T0 + timedelta(seconds=period_s)


@pytest.mark.parametrize(
    ("expression", "after", "expected"),
    [
        ("cron(* * * * ? *)", T0, datetime(2026, 11, 27, 12, 1, tzinfo=UTC)),
        ("cron(0 12 * * ? *)", T0, datetime(2026, 11, 28, 12, 0, tzinfo=UTC)),
        ("cron(0/15 * ? * MON-FRI *)", T0, datetime(2026, 11, 27, 12, 15, tzinfo=UTC)),
        # EventBridge counts days of the week from 1 = Sunday
        ("cron(0 0 ? * 1 *)", T0, datetime(2026, 11, 29, 0, 0, tzinfo=UTC)),
        ("cron(0 0 ? * 7 *)", T0, datetime(2026, 11, 28, 0, 0, tzinfo=UTC)),
        ("cron(0 8 ? * 3#2 *)", T0, datetime(2026, 12, 8, 8, 0, tzinfo=UTC)),  # 2nd Tuesday
        ("cron(0 0 L * ? *)", T0, datetime(2026, 11, 30, 0, 0, tzinfo=UTC)),
        ("cron(0 0 1 * ? 2030)", T0, datetime(2030, 1, 1, 0, 0, tzinfo=UTC)),
    ],
)
def test_cron(expression: str, after: datetime, expected: datetime) -> None:
    schedule = parse_schedule(expression)
    assert isinstance(schedule, Cron)
    assert next_fire(schedule, after) == expected


def test_cron_whose_years_are_over_never_fires_again() -> None:
    assert next_fire(parse_schedule("cron(0 0 1 1 ? 2020)"), T0) is None


@pytest.mark.parametrize(
    "expression",
    [
        "rate(0 minutes)",
        "rate(1 fortnight)",
        "every minute",
        "cron(* * * * *)",  # 5 fields: not EventBridge's format
        "cron(0 0 1 * MON *)",  # both day fields set
        "cron(0 0 1W * ? *)",
        "cron(0 0 ? * 9 *)",
    ],
)
def test_bad_expressions_are_refused(expression: str) -> None:
    with pytest.raises(LocalCloudError):
        parse_schedule(expression)


def test_scheduled_event_has_the_eventbridge_shape() -> None:
    arn = rule_arn("TickFunctionTick", "stack")
    event = scheduled_event(arn, T0)
    assert event == {
        "version": "0",
        "id": event["id"],
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": "2026-11-27T12:00:30Z",
        "region": "us-east-1",
        "resources": ["arn:aws:events:us-east-1:123456789012:rule/stack-TickFunctionTick"],
        "detail": {},
    }
    # the id comes from rule + fire time: a duplicate delivery is recognisable
    assert scheduled_event(arn, T0)["id"] == event["id"]
    assert scheduled_event(arn, T0 + timedelta(minutes=1))["id"] != event["id"]


def test_context_counts_down_from_the_timeout_and_expires_on_demand() -> None:
    now = [100.0]
    fn = FunctionSpec("TickFunction", "app.tick", timeout_s=70, memory_mb=512)
    context = LocalLambdaContext(fn, clock=lambda: now[0])
    assert context.get_remaining_time_in_millis() == 70_000
    now[0] += 69.5
    assert context.get_remaining_time_in_millis() == 500
    now[0] += 5
    assert context.get_remaining_time_in_millis() == 0
    fresh = LocalLambdaContext(fn, clock=lambda: now[0])
    fresh.expire()
    assert fresh.get_remaining_time_in_millis() == 0
    assert fresh.function_name == "TickFunction"
    assert fresh.memory_limit_in_mb == 512
    assert fresh.invoked_function_arn.endswith(":function:TickFunction")
    assert fresh.aws_request_id


def test_firer_fires_at_start_and_holds_the_next_fire_while_one_runs() -> None:
    """A tick that outlives its period delays the next fire; it never runs twice at once."""
    calls: list[dict[str, Any]] = []
    release, finish = threading.Event(), threading.Event()
    running = threading.Semaphore(0)
    overlapping = []
    active = threading.Lock()

    def handler(event: dict[str, Any], context: LocalLambdaContext) -> None:
        if not active.acquire(blocking=False):
            overlapping.append(event)
            return
        try:
            calls.append(event)
            running.release()
            (release if len(calls) == 1 else finish).wait(10)
        finally:
            active.release()

    # A clock that jumps a minute per reading: every next fire is already due, so the
    # loop goes straight to holding it behind the running invocation.
    ticks = itertools.count()

    def clock() -> datetime:
        return T0 + timedelta(minutes=next(ticks))

    fn = FunctionSpec("TickFunction", "app.tick", timeout_s=60)
    spec = ScheduleSpec("TickFunctionTick", "rate(1 minute)", fn)
    runtimes = {"TickFunction": FunctionRuntime(fn, handler=handler)}
    firer = ScheduleFirer([spec], runtimes, now=clock)
    firer.start()
    try:
        assert running.acquire(timeout=5), "no fire at start"
        assert not running.acquire(timeout=0.3), "fired while the previous one ran"
        release.set()
        assert running.acquire(timeout=5), "the held fire was not delivered"
    finally:
        release.set()
        finish.set()
        firer.stop()
    assert overlapping == []
    assert firer.fired["TickFunctionTick"] >= 2
    assert calls[0]["detail-type"] == "Scheduled Event"
    assert calls[0]["resources"] == [rule_arn("TickFunctionTick", "local")]


def test_stop_ends_a_handler_that_loops_on_remaining_time() -> None:
    started = threading.Event()
    seen_remaining: list[int] = []

    def tick(event: dict[str, Any], context: LocalLambdaContext) -> None:
        started.set()
        stop = threading.Event()
        while context.get_remaining_time_in_millis() > 1000:
            stop.wait(0.01)  # a tick's scan interval
        seen_remaining.append(context.get_remaining_time_in_millis())

    fn = FunctionSpec("TickFunction", "app.tick", timeout_s=900)
    spec = ScheduleSpec("TickFunctionTick", "rate(1 minute)", fn)
    firer = ScheduleFirer([spec], {"TickFunction": FunctionRuntime(fn, handler=tick)})
    firer.start()
    assert started.wait(5)
    firer.stop(timeout=5)
    assert seen_remaining == [0]
    assert firer.fired == {"TickFunctionTick": 1}
