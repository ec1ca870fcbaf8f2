"""``chaos.mark``: a handler whose runs leave marks, to count real handler runs.

PostgreSQL records each execution's attempts, but not whether a handler ran twice
(a worker killed after its handler finished, before the result was written, leaves no
trace of that run). So this handler appends ``start <execution_id> <worker>`` when it
begins and ``done <execution_id> <worker>`` when it returns, to one file per worker
under ``CHAOS_MARKS_DIR``. Each line is one ``write`` on an ``O_APPEND`` descriptor: it
reaches the kernel at once, so a SIGKILL right after it cannot lose it, and the files
live outside Redis and PostgreSQL, which the chaos restarts.

``python -m tests.chaos.marks worker`` is the ``jobsched`` command with this module
added to ``HANDLER_MODULES``: a real worker process running the real worker code.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from handlers._payload import check_object, is_int, require_valid
from jobsched.registry import Handler, HandlerContext, HandlerRegistry
from jobsched.settings import Settings

NAME = "chaos.mark"
MARKS_DIR_ENV = "CHAOS_MARKS_DIR"
MAX_DURATION_MS = 60_000


def validate(payload: dict[str, Any], settings: Settings) -> dict[str, str]:
    problems = check_object(payload, ("durationMs",))
    duration = payload.get("durationMs", 0)
    if "payload" not in problems and (not is_int(duration) or not 0 <= duration <= MAX_DURATION_MS):
        problems["payload.durationMs"] = f"must be an integer from 0 to {MAX_DURATION_MS}"
    return problems


def _mark(kind: str, execution_id: str) -> None:
    worker = os.environ.get("WORKER_ID", "worker")
    path = Path(os.environ[MARKS_DIR_ENV]) / f"{worker}.marks"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, f"{kind} {execution_id} {worker}\n".encode())
    finally:
        os.close(fd)


def run(payload: dict[str, Any], ctx: HandlerContext) -> dict[str, Any]:
    """Mark the start, sleep ``durationMs`` (cancel and shutdown cut it short), mark done."""
    require_valid(validate(payload, ctx.settings))
    _mark("start", ctx.execution_id)
    duration_ms = payload.get("durationMs", 0)
    ctx.sleep(duration_ms / 1000)
    _mark("done", ctx.execution_id)
    return {"sleptMs": duration_ms}


def register(registry: HandlerRegistry) -> None:
    if NAME not in registry:
        registry.add(Handler(NAME, run, validate, "Mark start and end in CHAOS_MARKS_DIR."))


@dataclass
class Marks:
    """How many times each execution's handler started and returned, and where."""

    starts: Counter[str] = field(default_factory=Counter)
    dones: Counter[str] = field(default_factory=Counter)
    workers: dict[str, list[str]] = field(default_factory=dict)
    """execution id -> the workers its handler started on, in order."""


def read_marks(directory: Path) -> Marks:
    marks = Marks()
    for path in sorted(directory.glob("*.marks")):
        for line in path.read_text().splitlines():
            parts = line.split()
            if len(parts) != 3:
                continue  # a line cut short by SIGKILL mid-write (not seen, but possible)
            kind, execution_id, worker = parts
            if kind == "start":
                marks.starts[execution_id] += 1
                marks.workers.setdefault(execution_id, []).append(worker)
            elif kind == "done":
                marks.dones[execution_id] += 1
    return marks


if __name__ == "__main__":
    from jobsched.cli import main

    # Loaded the way a user's handlers are: by its import path.
    loaded = [m for m in os.environ.get("HANDLER_MODULES", "").split(",") if m]
    os.environ["HANDLER_MODULES"] = ",".join([*loaded, "tests.chaos.marks"])
    raise SystemExit(main())
