"""Runs a worker claimed before their time (``WORKER_CLAIM_AHEAD_MS``), started by a
timer when they fall due.

Why: a run claimed at its due time starts after the worker learns it is due (its next
poll or its wait for the earliest due time), after the claim's round trip to Redis and
the read of its row in PostgreSQL, and after whatever the main loop was doing then
(recording a batch of results). Claimed up to ``WORKER_CLAIM_AHEAD_MS`` early instead
(``claim.lua``), a run waits here with its row read, and a timer thread starts it at its
due time: what is left of its start lag is the timer's wake-up and the hand-off to a
handler thread (the lease check below is made just before). Celery's ETA tasks work
the same way.

What a run held here is, for the rest of the system (as a prefetched run,
``jobsched.worker_prefetch``):
- **Never started before its time**, by this worker's clock: the timer and the main
  loop start only runs whose due time (rounded up to the millisecond) has passed.
- **A lease like any other**, extended by the heartbeat. A worker killed while holding
  runs here has them released by the tick after ``WORKER_DEAD_AFTER_MS``, or their lease
  expires after ``VISIBILITY_TIMEOUT_MS``; the horizon is never longer than either, so a
  run released that way is due already and no other worker starts it early. A stopping
  worker gives them back to the delayed set at their due time, not counted a delivery
  (``defer.lua``).
- **Not cancelled.** Right before starting a batch of due runs (``CHECK_LEAD_MS``
  before their time) the timer extends their leases, which answers whether a cancel
  was requested (or the lease lost) meanwhile: such a run never starts (acked unrun, as
  a prefetched one), even one cancelled a moment before its time. Only a cancel arriving
  after that round trip finds the run running, as for any run.
- **Within the limits.** Only runs that could start now are claimed ahead: none of a
  job with ``max_concurrency`` (held here it would keep its cap from runs due now), none
  of a handler this worker does not serve, none in a pool with a rate limit (a rate
  counts claims, and held runs would start in a burst), and within the pool's
  concurrency room (they count in flight from their claim). At most
  ``WORKER_PREFETCH`` runs are held here, apart from the prefetch's own.
- **Priority**: runs are claimed ahead only by a claim that took every ready run the
  worker may, so a run waiting now never goes behind one due later; a higher-priority
  run queued afterwards waits behind at most the runs held here (as behind prefetched
  ones). On this worker a due run goes behind the runs it prefetched, as it would have
  gone behind them in the ready queue.
"""

from __future__ import annotations

import contextlib
import dataclasses
import heapq
import itertools
import logging
import threading
import time
from collections import defaultdict
from datetime import datetime

from jobsched.clock import to_ms
from jobsched.errors import DependencyError
from jobsched.worker_executions import Completed, Running, _by_pool

log = logging.getLogger("jobsched.worker")

CHECK_LEAD_MS = 5
"""How long before their due time the timer checks runs' leases (one Redis round trip,
which then adds nothing to their start lag); a cancel arriving in those last
milliseconds finds the run running, as any cancel after a start does."""
CLAIM_EVERY_S = 0.05
"""How often a worker with no free slot still claims runs due soon (one free claims
them with its every claim)."""


class Ahead:
    """The runs held before their time, earliest first, and how many more may be."""

    def __init__(self, horizon_ms: int, limit: int) -> None:
        self.horizon_ms = horizon_ms if limit > 0 else 0
        self.limit = limit if horizon_ms > 0 else 0
        self._heap: list[tuple[int, int, Running]] = []
        self._order = itertools.count()
        self._claimed_at = 0.0
        self.changed = threading.Event()
        """Set when a run is held (the timer may have an earlier one to wait for)."""

    def __len__(self) -> int:
        return len(self._heap)

    def to_claim(self, claiming: bool) -> int:
        """How many runs to claim ahead now: none when full, or when the worker claims
        nothing else and did claim ahead within the last ``CLAIM_EVERY_S``."""
        room = self.limit - len(self._heap)
        if room <= 0:
            return 0
        now = time.monotonic()
        if not claiming and now - self._claimed_at < CLAIM_EVERY_S:
            return 0
        self._claimed_at = now
        return room

    def hold(self, run: Running) -> None:
        heapq.heappush(self._heap, (run.due_ms, next(self._order), run))
        self.changed.set()

    def first_ms(self) -> int | None:
        return self._heap[0][0] if self._heap else None

    def due(self, now_ms: int) -> list[Running]:
        """The runs due by ``now_ms``, taken out, earliest first."""
        out = []
        while self._heap and self._heap[0][0] <= now_ms:
            out.append(heapq.heappop(self._heap)[2])
        return out

    def take_all(self) -> list[Running]:
        runs = [entry[2] for entry in sorted(self._heap)]
        self._heap.clear()
        return runs


class AheadStarts:
    """Mixed into ``Worker``: holding runs claimed ahead, starting them when due, and
    giving them back unstarted."""

    def _hold(self, run: Running) -> None:
        """A claimed run waits for a slot (prefetch) or for its due time (here)."""
        with self._lock:
            if run.due_ms:
                self.ahead.hold(run)
            else:
                self.prefetch.waiting.append(run)

    def _start_due(
        self, now: datetime, lead_ms: int = 0, stop: threading.Event | None = None
    ) -> int:
        """Start the held runs due by ``now`` (those with no free slot go first in line
        for one), after one lease check; returns how many started. With ``lead_ms``
        (the timer), runs due that much later are checked now and started at their
        time: the check's round trip is not part of their start lag."""
        with self._lock:
            runs = self.ahead.due(to_ms(now) + lead_ms)
        if not runs:
            return 0
        # A cancel requested meanwhile: never started. Redis down: started as a
        # prefetched run would be (the heartbeat keeps trying, guards keep results).
        with contextlib.suppress(DependencyError):
            self._extend_leases(runs, now)
        if lead_ms:
            until = self._until_due(max(r.due_ms for r in runs), stop or self._stopping)
            if until is None:  # stopping: held again, for the hand-back
                with self._lock:
                    for run in runs:
                        self.ahead.hold(run)
                return 0
            now = until
        for run in runs:
            # Its attempt starts now, not at its claim: recorded never before its time.
            run.held = dataclasses.replace(run.held, started_at=now)
        with self._lock:
            self.prefetch.waiting.extend(runs)
        if self._stopping.is_set():
            self.hand_back_waiting()
            return 0
        return self._start_waiting()

    def _until_due(self, due_ms: int, stop: threading.Event) -> datetime | None:
        """Wait until ``due_ms`` has passed by the worker's clock; that time, or None
        if ``stop`` was set first."""
        while True:
            now = self.clock.now()
            if to_ms(now) >= due_ms:
                return now
            if stop.wait(max(due_ms / 1000 - now.timestamp(), 0.0001)):
                return None

    def _timer_loop(self, stop: threading.Event) -> None:
        """Start held runs at their due time, whatever the main loop is doing."""
        while not stop.is_set():
            with self._lock:
                self.ahead.changed.clear()
                first = self.ahead.first_ms()
            if first is None:
                self.ahead.changed.wait(1.0)
                continue
            now = self.clock.now()
            left = first / 1000 - now.timestamp() - CHECK_LEAD_MS / 1000
            if left > 0:
                self.ahead.changed.wait(left)  # or an earlier run was held meanwhile
                continue
            try:
                self._start_due(now, CHECK_LEAD_MS, stop)
            except Exception:  # never let the timer die: the main loop starts them too
                log.exception("starting runs due failed")
                stop.wait(0.1)

    def _hand_back(self, handed_back: list[Completed], now: datetime) -> None:
        """Give back runs a stopping worker did not finish: to the front of the ready
        queue (a delivery if they had started), or, held before their time, to the
        delayed set at it."""
        now_ms = to_ms(now)
        early: dict[str, list[tuple[str, str, int]]] = defaultdict(list)
        for started in (True, False):
            back = []
            for c in handed_back:
                run = c.running
                if bool(run.started) is not started:
                    continue
                if not started and run.due_ms > now_ms:
                    early[run.execution.pool].append((run.execution.id, run.token, run.due_ms))
                else:
                    back.append((run.execution.id, run.token, run.execution.pool))
            for pool, leases in _by_pool(back).items():
                self._queue(pool).release(leases, delivered=started)
        for pool, items in early.items():
            self._queue(pool).defer(items)
