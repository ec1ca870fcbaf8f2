"""The health probe: one probe per second answers every caller, and says nothing internal."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from jobsched.clock import FakeClock
from jobsched.health import HealthProbe


def test_concurrent_callers_share_one_probe() -> None:
    release, calls = threading.Event(), []

    def slow_ping() -> None:
        calls.append(1)
        release.wait(5)

    probe = HealthProbe({"postgres": slow_ping}, now=FakeClock().now)
    threads = [threading.Thread(target=probe.report) for _ in range(10)]
    for thread in threads:
        thread.start()
    release.set()
    for thread in threads:
        thread.join(5)
    assert calls == [1]


def test_a_failure_reports_its_type_but_not_its_text() -> None:
    def broken() -> None:
        raise ConnectionError("Error 111 connecting to redis-7.prod.internal:6379")

    clock = FakeClock(datetime(2026, 1, 1, tzinfo=UTC))
    report = HealthProbe({"redis": broken, "postgres": lambda: None}, now=clock.now).report()
    assert report.public() == {"status": "unavailable"}
    detailed = report.detailed()
    assert detailed["checks"]["redis"]["error"] == "ConnectionError"
    assert detailed["checks"]["postgres"]["status"] == "ok"
    assert "prod.internal" not in repr(detailed)


def test_the_answer_is_fresh_again_after_the_ttl_and_after_a_clock_jump_back() -> None:
    calls: list[int] = []
    clock = FakeClock(datetime(2026, 1, 1, tzinfo=UTC))
    probe = HealthProbe({"redis": lambda: calls.append(1)}, now=clock.now, ttl_s=1.0)
    probe.report()
    clock.advance(0.5)
    probe.report()
    assert len(calls) == 1
    clock.advance(0.6)
    probe.report()
    assert len(calls) == 2
    clock.advance(-10)
    probe.report()
    assert len(calls) == 3
