"""What a worker holds of its runs: a run it runs, one it completed, its counters."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from jobsched.domain.execution_writes import ClaimedExecution, Held
from jobsched.domain.states import AttemptOutcome
from jobsched.plugins import FailNow, RetryLater
from jobsched.registry import (
    HandlerCancelled,
    HandlerContext,
    HandlerTimeout,
)
from jobsched.sanitize import clean_text

MAX_ERROR_CHARS = 4000
STOPPED = "worker stopped"
LINGER_S = 0.005
"""How long the main loop waits for runs it just started before recording a batch."""
TIMEOUT_GRACE_S = 1.0
"""How long past its deadline a handler that ignores its context gets before the
attempt is recorded as timed out without it."""


@dataclass
class Running:
    held: Held
    """The lease and the row as PostgreSQL last had it (recorded RUNNING or not)."""
    execution: ClaimedExecution
    ctx: HandlerContext
    deliveries: int = 1
    """Claims of this run since its last deliberate retry, this one included."""
    due_ms: int = 0
    """Claimed ahead of its time (``jobsched.worker_ahead``): when it falls due (epoch
    ms; 0: due at its claim). It never starts before."""
    started: float = 0.0
    """When it started (time.monotonic; 0 while it waits in the prefetch): it is
    recorded RUNNING once it runs long."""
    skipped: bool = False
    """Cancelled or lost while it waited in the prefetch: its handler never ran."""
    cancel_requested: bool = False
    stopping: bool = False
    lease_lost: bool = False
    done: bool = False

    @property
    def token(self) -> str:
        return self.held.token


@dataclass
class Completed:
    running: Running
    outcome: AttemptOutcome
    result: Any = None
    error: str | None = None
    fail_now: bool = False
    retry_after_ms: int | None = None


@dataclass
class WorkerStats:
    claimed: int = 0
    succeeded: int = 0
    failed: int = 0
    retried: int = 0
    cancelled: int = 0
    stale: int = 0
    handed_back: int = 0
    lease_lost: int = 0


def _by_pool(leases: Iterable[tuple[str, str, str]]) -> dict[str, list[tuple[str, str]]]:
    """(id, token, pool) triples as each pool's (id, token) pairs."""
    out: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for execution_id, token, pool in leases:
        out[pool].append((execution_id, token))
    return out


def _error_text(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    if not isinstance(exc, HandlerTimeout | HandlerCancelled | RuntimeError | RetryLater | FailNow):
        text = f"{type(exc).__name__}: {text}"
    return clean_text(text, MAX_ERROR_CHARS)
