"""The schedule firer driving a real Chalice scheduled handler, as the tick is."""

from __future__ import annotations

import threading
from typing import Any

from chalice import Chalice, Rate

from infra.local.events import ScheduleFirer
from infra.local.runtime import FunctionRuntime
from infra.local.template import FunctionSpec, ScheduleSpec


def test_chalice_schedule_receives_the_event_and_stops_with_the_stack() -> None:
    app = Chalice(app_name="local-events-test")
    seen: list[dict[str, Any]] = []
    started = threading.Event()

    @app.schedule(Rate(1, unit=Rate.MINUTES))
    def tick(event: Any) -> None:
        context = event.context
        seen.append(
            {
                "detail_type": event.detail_type,
                "source": event.source,
                "resources": event.resources,
                "remaining": context.get_remaining_time_in_millis(),
                "function_name": context.function_name,
            }
        )
        started.set()
        wait = threading.Event()
        while context.get_remaining_time_in_millis() > 1000:  # the tick's loop
            wait.wait(0.01)

    fn = FunctionSpec("TickFunction", "app.tick", timeout_s=70)
    firer = ScheduleFirer(
        [ScheduleSpec("TickFunctionTick", "rate(1 minute)", fn)],
        {"TickFunction": FunctionRuntime(fn, handler=tick)},
        stack_name="test",
    )
    firer.start()
    try:
        assert started.wait(5), "the schedule did not fire at start"
    finally:
        firer.stop(timeout=5)
    (call,) = seen
    assert call["detail_type"] == "Scheduled Event"
    assert call["source"] == "aws.events"
    assert call["resources"] == ["arn:aws:events:us-east-1:123456789012:rule/test-TickFunctionTick"]
    assert call["function_name"] == "TickFunction"
    assert 69_000 < call["remaining"] <= 70_000
