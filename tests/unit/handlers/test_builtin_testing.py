"""test.echo, test.delay and test.log."""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest

from handlers import testing
from handlers._payload import InvalidPayload
from jobsched.registry import HandlerCancelled, HandlerTimeout
from jobsched.settings import Settings

SETTINGS = Settings()


def test_echo_returns_its_payload(make_ctx) -> None:
    payload = {"a": 1, "nested": {"b": [1, 2, None]}}
    assert testing.run_echo(payload, make_ctx()) == payload
    assert testing.validate_echo(payload, SETTINGS) == {}


def test_delay_sleeps_then_returns(make_ctx) -> None:
    started = time.monotonic()
    assert testing.run_delay({"durationMs": 30}, make_ctx()) == {"sleptMs": 30}
    assert time.monotonic() - started >= 0.03


def test_delay_zero_is_fine(make_ctx) -> None:
    assert testing.run_delay({"durationMs": 0}, make_ctx()) == {"sleptMs": 0}


def test_delay_fails_when_asked(make_ctx) -> None:
    with pytest.raises(RuntimeError, match=r"^test.delay failed as asked$"):
        testing.run_delay({"durationMs": 0, "shouldFail": True}, make_ctx())
    with pytest.raises(RuntimeError, match=r"^boom$"):
        testing.run_delay({"durationMs": 0, "shouldFail": True, "failMessage": "boom"}, make_ctx())


def test_delay_is_cut_short_by_cancel(make_ctx, background) -> None:
    ctx = make_ctx()
    call = background(lambda: testing.run_delay({"durationMs": 30_000}, ctx))
    ctx.cancelled.set()
    assert call.join(2), "cancel did not interrupt the delay"
    assert isinstance(call.error, HandlerCancelled)


def test_delay_is_cut_short_by_the_deadline(make_ctx) -> None:
    started = time.monotonic()
    with pytest.raises(HandlerTimeout):
        testing.run_delay({"durationMs": 30_000}, make_ctx(seconds=0.05))
    assert time.monotonic() - started < 2


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"durationMs": -1}, "payload.durationMs"),
        ({"durationMs": "10"}, "payload.durationMs"),
        ({"durationMs": True}, "payload.durationMs"),
        ({"durationMs": 1.5}, "payload.durationMs"),
        ({"durationMs": 24 * 3600 * 1000 + 1}, "payload.durationMs"),
        ({"shouldFail": "yes"}, "payload.shouldFail"),
        ({"failMessage": 3}, "payload.failMessage"),
        ({"duration": 10}, "payload.duration"),
    ],
)
def test_delay_validation(payload: dict[str, Any], field: str) -> None:
    assert set(testing.validate_delay(payload, SETTINGS)) == {field}


def test_delay_accepts_the_documented_payload() -> None:
    payload = {"durationMs": 24 * 3600 * 1000, "shouldFail": False, "failMessage": "x"}
    assert testing.validate_delay(payload, SETTINGS) == {}
    assert testing.validate_delay({}, SETTINGS) == {}


def test_delay_run_refuses_a_bad_payload(make_ctx) -> None:
    with pytest.raises(InvalidPayload, match=r"payload.durationMs"):
        testing.run_delay({"durationMs": -5}, make_ctx())


def test_log_logs_at_the_level(make_ctx, caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("tests.handlers.log")
    with caplog.at_level(logging.DEBUG, logger="tests.handlers.log"):
        result = testing.run_log(
            {"message": "hello 100%", "level": "WARNING"}, make_ctx(logger=logger)
        )
    assert result == {"logged": "hello 100%"}
    [record] = [r for r in caplog.records if r.name == "tests.handlers.log"]
    assert record.levelno == logging.WARNING
    assert record.getMessage() == "hello 100%"


def test_log_defaults_to_info(make_ctx, caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("tests.handlers.log")
    with caplog.at_level(logging.DEBUG, logger="tests.handlers.log"):
        testing.run_log({"message": "hi"}, make_ctx(logger=logger))
    assert [r.levelno for r in caplog.records if r.name == logger.name] == [logging.INFO]


@pytest.mark.parametrize(
    ("payload", "problems"),
    [
        ({}, {"payload.message": "is required"}),
        ({"message": 5}, {"payload.message"}),
        ({"message": "x", "level": "critical"}, {"payload.level"}),
        ({"message": "x", "level": 1}, {"payload.level"}),
        ({"message": "x", "extra": 1}, {"payload.extra"}),
    ],
)
def test_log_validation(payload: dict[str, Any], problems: Any) -> None:
    found = testing.validate_log(payload, SETTINGS)
    assert (found if isinstance(problems, dict) else set(found)) == problems
