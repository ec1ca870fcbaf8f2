"""A user's handler module, as the tests load it through ``HANDLER_MODULES``."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

from jobsched import FailNow, RetryLater, handler

ADD_SCHEMA = {
    "type": "object",
    "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
    "required": ["a", "b"],
    "additionalProperties": False,
}


@handler("sample.add", schema=ADD_SCHEMA, description="Adds a and b.")
def add(payload: dict[str, Any], ctx: Any) -> dict[str, int]:
    return {"sum": payload["a"] + payload["b"]}


@handler("sample.pid", isolation="process")
def pid(payload: dict[str, Any], ctx: Any) -> dict[str, int]:
    """Returns the process it ran in."""
    return {"pid": os.getpid(), "attempt": ctx.attempt}


@handler("sample.spin", isolation="process")
def spin(payload: dict[str, Any], ctx: Any) -> None:
    """Ignores its context and loops forever (after saying where it runs)."""
    Path(payload["pid_file"]).write_text(str(os.getpid()))
    while True:
        time.sleep(0.01)


@handler("sample.crash", isolation="process")
def crash(payload: dict[str, Any], ctx: Any) -> None:
    """Dies as a segfault would."""
    os.kill(os.getpid(), signal.SIGSEGV)


@handler("sample.fail_now")
def fail_now(payload: dict[str, Any], ctx: Any) -> None:
    raise FailNow("the report day is in the future")


@handler("sample.retry_later", isolation="process")
def retry_later(payload: dict[str, Any], ctx: Any) -> None:
    raise RetryLater("upstream not ready", delay_ms=payload.get("delay_ms", 5000))


@handler("sample.report", pool="reports", description="Runs on the reports pool.")
def report(payload: dict[str, Any], ctx: Any) -> dict[str, Any]:
    return {"day": payload.get("day"), "pool": "reports"}


class Gate:
    """Runs of ``sample.gate`` wait here until opened; counts how many ran at once."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.open = threading.Event()
        self.running: set[str] = set()
        self.peak = 0
        self.started = 0

    def reset(self) -> None:
        with self.lock:
            self.open.clear()
            self.running.clear()
            self.peak = self.started = 0


GATE = Gate()


@handler("sample.gate")
def gate(payload: dict[str, Any], ctx: Any) -> dict[str, Any]:
    with GATE.lock:
        GATE.running.add(ctx.execution_id)
        GATE.started += 1
        GATE.peak = max(GATE.peak, len(GATE.running))
    try:
        while not GATE.open.wait(0.01):
            ctx.check()
    finally:
        with GATE.lock:
            GATE.running.discard(ctx.execution_id)
    return {}
