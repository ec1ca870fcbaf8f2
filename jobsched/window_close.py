"""A run still running when its job's window closes (issue 25): left alone, unless the
job says ``on_window_close: "cancel"``. Then the tick (the leader's duty,
``Scheduler._lead``) cancels it as the API's cancel does: recorded CANCELLED (its
reason names the closed window) and the worker told through Redis, which interrupts
the handler on its next heartbeat. The windows are the job's own or its calendar's
(``job_calendar.waiting_window``); a job with neither never has a run cancelled."""

from __future__ import annotations

import contextlib
import logging
from datetime import datetime

from jobsched import execution_life
from jobsched.domain import job_calendar, windows
from jobsched.errors import ConflictError, DependencyError
from jobsched.queue import RedisQueue
from jobsched.store import Store

log = logging.getLogger(__name__)

BATCH = 500
"""Runs looked at per pass: the rest wait for the next pass (a second later)."""


def reason(closed: str) -> str:
    """What a run cancelled at its window's close says (its error)."""
    return f"cancelled: its window closed ({closed}); the job says on_window_close=cancel"


def cancel_closed(store: Store, queue: RedisQueue, now: datetime) -> list[str]:
    """Cancel the RUNNING runs of ``on_window_close: cancel`` jobs whose windows are
    closed at ``now`` (or which a blackout covers); their ids."""
    cancelled = []
    for row in store.executions.running_to_close(BATCH):
        try:
            window = job_calendar.waiting_window(row)
        except Exception as exc:  # rules that no longer check: the tick flags the job
            log.warning("window close: job rules unreadable: %s", exc)
            continue
        closed = windows.closed_reason(now, window) if window is not None else None
        if closed is None:
            continue
        try:
            execution_life.cancel(store, row["id"], now, None, reason(closed))
        except ConflictError:  # it ended meanwhile
            continue
        with contextlib.suppress(DependencyError):  # a worker that claims it drops it
            queue.for_pool(row["pool"]).cancel([row["id"]])
        cancelled.append(row["id"])
    return cancelled
