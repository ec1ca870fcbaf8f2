"""Runs a worker claimed ahead of its free slots (``WORKER_PREFETCH``). Runs claimed
ahead of their due time are held apart and started by a timer (``jobsched.worker_ahead``);
once due they wait here like these.

Claims sized by free slots alone cost a Redis round trip, a PostgreSQL read and a
record per handful of runs when a worker has few slots and its runs are short. So a
worker claims up to ``WORKER_PREFETCH`` runs more than it can start, keeps them here,
and a handler thread that finishes a run starts the next one at once, without waiting
for the main loop.

What a prefetched run is, for the rest of the system:
- **A lease like any other.** It is in flight in Redis under this worker's lease owner
  and token, its lease extended by the heartbeat: a worker killed with runs waiting
  here has them released by the tick (``release_dead.lua``) exactly as its running
  ones, after ``WORKER_DEAD_AFTER_MS``.
- **In flight for the limits.** A job's ``max_concurrency`` and a pool's
  ``POOL_CONCURRENCY`` count it from its claim (``claim.lua`` cannot tell it from a
  running run), so a cap is never exceeded; a capped job's runs may start a little
  later than they could (one waits here while another worker has a free slot).
  ``POOL_RATE_LIMITS`` counts a run at its claim, so starts never exceed the rate.
- **Priority, within the bound.** Runs are claimed in the ready queue's order (priority,
  then FIFO) and started in claim order. A higher-priority run queued after a claim
  waits behind at most the runs this worker already holds ahead: at most
  ``WORKER_PREFETCH``, and never more than the worker finished in the last one to two
  seconds (``ahead``), so a worker whose runs are long prefetches nearly nothing and a
  slow run never sits in front of work other workers could start.
- **Fairness across jobs** is the queue's, unchanged: claims take runs in the ready
  queue's order whatever their job, and a capped job's runs beyond its cap stay parked.
- **Not started.** It gets its deadline when it starts; one cancelled (or whose lease
  was lost) while it waits is dropped unrun (acked, no attempt recorded); a stopping
  worker hands it back to the front of its priority without counting a delivery.
"""

from __future__ import annotations

import time
from collections import deque

from jobsched.worker_executions import Running

WINDOW_S = 1.0
"""How long a count of finished runs counts towards ``ahead`` (then one more window)."""


class Prefetch:
    """The runs held ahead, in claim order, and how many may be held now."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.waiting: deque[Running] = deque()
        self._since = time.monotonic()
        self._this = 0
        self._last = 0

    def finished(self, n: int) -> None:
        """``n`` runs of this worker were recorded just now."""
        now = time.monotonic()
        if now - self._since >= WINDOW_S:
            # The window before, if it was the last one; nothing if longer ago.
            self._last = self._this if now - self._since < 2 * WINDOW_S else 0
            self._this = 0
            self._since = now
        self._this += n

    def ahead(self) -> int:
        """How many runs to hold beyond the free slots now: what the worker finished
        lately, up to the limit. None at first, so a worker of long runs never takes
        more than it can start; a drain of short runs reaches the limit in a few loops."""
        if not self.limit:
            return 0
        if time.monotonic() - self._since >= 2 * WINDOW_S:
            return 0
        return min(self.limit, self._this + self._last)
