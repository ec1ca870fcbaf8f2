"""A user's handler module, as the tests load it through ``HANDLER_MODULES``."""

from __future__ import annotations

import os
import signal
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
