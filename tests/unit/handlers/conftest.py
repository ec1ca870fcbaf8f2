"""Fixtures for the built-in handler tests."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from jobsched.handler_settings import HandlerSettings
from jobsched.registry import HandlerContext
from jobsched.settings import Settings

MakeCtx = Callable[..., HandlerContext]


@pytest.fixture
def make_ctx() -> MakeCtx:
    """A factory: ``make_ctx(settings, seconds=10, **fields)`` -> a fresh HandlerContext.
    ``settings`` may be the core's or the handlers' (``HandlerSettings``)."""

    def make(
        settings: Settings | HandlerSettings | None = None, seconds: float = 10.0, **kw: Any
    ) -> HandlerContext:
        if isinstance(settings, HandlerSettings):
            kw.setdefault("handler_settings", settings)
            settings = None
        return HandlerContext(
            execution_id="e",
            job_id="j",
            attempt=1,
            deadline=time.monotonic() + seconds,
            settings=settings or Settings(),
            **kw,
        )

    return make


class Background:
    """Runs a callable on a thread and keeps its result or exception."""

    def __init__(self, fn: Callable[[], Any]) -> None:
        self.result: Any = None
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(fn,), daemon=True)
        self._thread.start()

    def _run(self, fn: Callable[[], Any]) -> None:
        try:
            self.result = fn()
        except BaseException as exc:
            self.error = exc

    def join(self, timeout: float) -> bool:
        """True when the call finished within ``timeout`` seconds."""
        self._thread.join(timeout)
        return not self._thread.is_alive()


@pytest.fixture
def background() -> Callable[[Callable[[], Any]], Background]:
    return Background


def wait_for(condition: Callable[[], Any], timeout: float = 5.0, step: float = 0.01) -> Any:
    """Poll ``condition`` until it returns something truthy; fail after ``timeout``."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if value := condition():
            return value
        time.sleep(step)
    raise AssertionError(f"condition not met within {timeout} s")


@pytest.fixture
def waiter() -> Callable[..., Any]:
    return wait_for
