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
    """Returns the process it ran in (and, as a workflow step, its upstream results)."""
    return {"pid": os.getpid(), "attempt": ctx.attempt, "inputs": ctx.inputs}


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


@handler("sample.inside", isolation="process")
def inside(payload: dict[str, Any], ctx: Any) -> dict[str, Any]:
    """What a process-isolated handler finds around itself."""
    with open("/proc/self/environ", "rb") as f:
        environ = f.read()
    with open("/proc/self/limits") as f:
        limits = f.read()
    with open("/proc/self/oom_score_adj") as f:
        oom = f.read().strip()
    return {
        "env": sorted(os.environ),
        "startup_env_has_secret": b"DATABASE_URL" in environ or b"REDIS_URL" in environ,
        "settings_database_url": ctx.settings.database_url,
        "limits": limits,
        "oom_score_adj": oom,
        "own_group": os.getpgrp() == os.getpid(),
    }


@handler("sample.grandchild", isolation="process")
def grandchild(payload: dict[str, Any], ctx: Any) -> None:
    """Starts a long sleep (in its own process group), says its pid, then hangs."""
    import subprocess

    sleeper = subprocess.Popen(["sleep", "600"])
    Path(payload["pid_file"]).write_text(str(sleeper.pid))
    while True:
        time.sleep(0.01)


@handler("sample.flood", isolation="process")
def flood(payload: dict[str, Any], ctx: Any) -> str:
    """Writes a huge answer straight onto the pipe to the worker, past the handler API."""
    import gc
    from multiprocessing.connection import Connection

    (conn,) = [o for o in gc.get_objects() if isinstance(o, Connection) and not o.closed]
    conn.send_bytes(b"\x80" * (64 * 1024 * 1024))
    return "sent"


@handler("sample.leave_behind", isolation="process")
def leave_behind(payload: dict[str, Any], ctx: Any) -> dict[str, int]:
    """Starts a long sleep and returns at once, leaving it running."""
    import subprocess

    return {"sleeper": subprocess.Popen(["sleep", "600"]).pid}
