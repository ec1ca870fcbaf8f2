"""Following runs live: ``jobsched executions watch ID`` and ``jobsched jobs tail NAME``.

Both poll the API (``--interval``) and print a line for each change a run goes
through (status, attempt, worker); with ``--json``, each change is the execution as
the API returns it, one JSON object per line. The exit code is the outcome of the
(last) run followed: see ``jobsched.cli``.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from jobsched.cli_common import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_NOT_RUN, EXIT_TIMEOUT
from jobsched.client import Client
from jobsched.domain.states import TERMINAL

EXIT_FOR = {
    "SUCCEEDED": 0,
    "FAILED": EXIT_FAILED,
    "CANCELLED": EXIT_NOT_RUN,
    "SKIPPED": EXIT_NOT_RUN,
}
ENDED = frozenset(status.value for status in TERMINAL)
TAIL_PAGE = 50
"""Runs of the job read per poll: a tail keeps up with up to this many new runs each."""


@dataclass(frozen=True)
class Outcome:
    """What a followed run (or the last of several) ended as, as an exit code."""

    code: int


def _state(execution: dict[str, Any]) -> tuple[Any, ...]:
    return execution["status"], execution["attempt"], execution["worker_id"]


def _line(execution: dict[str, Any], as_json: bool) -> str:
    if as_json:
        return json.dumps(execution)
    status, attempt, worker = _state(execution)
    parts = [execution["id"][:8], f"{execution.get('job_name') or execution['job_id']}", status]
    if attempt:
        parts.append(f"attempt {attempt}")
    if worker and status == "RUNNING":
        parts.append(f"on {worker}")
    if status == "RETRYING" and execution["next_attempt_at"]:
        parts.append(f"next at {execution['next_attempt_at']}")
    if status == "SUCCEEDED" and execution["duration_ms"] is not None:
        parts.append(f"in {execution['duration_ms']} ms")
    if execution["error"] and status in ("RETRYING", "FAILED", "CANCELLED", "SKIPPED"):
        parts.append(f"- {execution['error']}")
    if execution["waiting"]:
        parts.append(f"(waiting: {execution['waiting']})")
    return "  ".join(parts)


class _Follower:
    """Prints each change of the runs it is shown; knows when the wait is over."""

    def __init__(self, args: argparse.Namespace, sleep: Callable[[float], None]) -> None:
        self.as_json = bool(args.json)
        self.interval = args.interval
        self.deadline = None if args.timeout is None else time.monotonic() + args.timeout
        self.sleep = sleep
        self.seen: dict[str, tuple[Any, ...]] = {}

    def show(self, execution: dict[str, Any]) -> bool:
        """Print the run if it changed; True when it has just ended."""
        state = _state(execution)
        if self.seen.get(execution["id"]) == state:
            return False
        self.seen[execution["id"]] = state
        print(_line(execution, self.as_json), flush=True)
        return execution["status"] in ENDED

    def wait(self) -> bool:
        """Sleep one interval; False once ``--timeout`` has passed."""
        if self.deadline is not None and time.monotonic() >= self.deadline:
            return False
        self.sleep(self.interval)
        return True


def follow_execution(
    api: Client, execution_id: str, args: argparse.Namespace, sleep: Callable = time.sleep
) -> Outcome:
    """Print the run's changes until it ends; its outcome is the exit code."""
    follower = _Follower(args, sleep)
    try:
        while True:
            execution = api.get_execution(execution_id)
            follower.show(execution)
            if execution["status"] in ENDED:
                return Outcome(EXIT_FOR[execution["status"]])
            if not follower.wait():
                return Outcome(EXIT_TIMEOUT)
    except KeyboardInterrupt:
        return Outcome(EXIT_INTERRUPTED)


def follow_job(
    api: Client, job: dict[str, Any], args: argparse.Namespace, sleep: Callable = time.sleep
) -> Outcome:
    """Print the changes of the job's runs: those unfinished when it starts and every
    new one. Stops after ``--runs`` runs ended (exit code: the last one's outcome),
    at ``--timeout`` (124) or Ctrl-C (0: following forever is what was asked)."""
    follower = _Follower(args, sleep)
    ended = 0
    # Runs that had ended before the tail started are history, not followed.
    first = api.list_executions(job["id"], limit=TAIL_PAGE)["items"]
    old = {e["id"] for e in first if e["status"] in ENDED}
    try:
        while True:
            page = api.list_executions(job["id"], limit=TAIL_PAGE)["items"]
            for execution in reversed(page):  # oldest first
                if execution["id"] in old or not follower.show(execution):
                    continue
                old.add(execution["id"])
                ended += 1
                if args.runs is not None and ended >= args.runs:
                    return Outcome(EXIT_FOR[execution["status"]])
            if not follower.wait():
                return Outcome(EXIT_TIMEOUT)
    except KeyboardInterrupt:
        return Outcome(0)
