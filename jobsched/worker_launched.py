"""The rows of the workflow steps a worker's last recorded batch launched (issue 23's
latency goal): the step after one that ended is written, read as a claim reads it, and
committed in the transaction that records the end (``workflow_steps.record_ends``), so
the worker that claims it next starts it without reading its row again.

Held for the next claim only, for at most ``MAX_AGE_S``, and dropped when another batch
is recorded: a row read earlier may have changed since (cancelled, or claimed by another
worker, run and retried). Between the
commit and the claim that takes it (a few milliseconds), a cancel is the same race as
a cancel right after a claim's own read: the run starts, a heartbeat tells it to stop,
and its end is refused, the row being CANCELLED.
"""

from __future__ import annotations

import time
from typing import Any

from jobsched.store import Store

MAX_AGE_S = 1.0
"""How long rows are held for a claim (the claim right after a batch takes them)."""


class LaunchedRows:
    def __init__(self) -> None:
        self.rows: dict[str, dict[str, Any]] = {}
        """By execution id, as ``store.attempts.claimed`` reads them."""
        self.read_at = 0.0

    def fresh(self) -> dict[str, dict[str, Any]]:
        """An empty hold for the rows a batch about to be recorded launches."""
        self.rows, self.read_at = {}, time.monotonic()
        return self.rows

    def claimed(self, store: Store, ids: list[str]) -> list[dict[str, Any]]:
        """The rows of claimed runs: those held here, the others read now (then none is
        held any more)."""
        if time.monotonic() - self.read_at > MAX_AGE_S:
            self.rows.clear()
        known = [self.rows[i] for i in ids if i in self.rows]
        self.rows.clear()
        if len(known) == len(ids):
            return known
        held = {r["id"] for r in known}
        return known + store.attempts.claimed([i for i in ids if i not in held])
