"""The single trigger's push, sent to Redis before its write is acknowledged (issue 22).

A trigger of one run that reads nothing first (``trigger._trigger_unread``) is one
PostgreSQL statement and one Redis script. Sent one after the other, the caller waits
for both in turn; here the push is written to Redis first and answered after the
statement returns, so Redis runs it while PostgreSQL writes and commits.

The queue item needs what the job routes its runs by (pool, handler, priority, cap),
which the statement only answers at its end. So it is built from the job as the last
trigger of it through this process saw it (``Routes``), and the statement is told what
was assumed: it writes the run only if the job still routes it that way, else writes
nothing and says so (``trigger_one``, migration 0026). A row therefore exists only with
a queue item that matches it. The first trigger of a job here, or one whose job changed,
takes the usual order (write, then push) and teaches ``Routes`` the job's route.

A pushed run whose row does not exist (not committed yet, or never: a guard held, the
route was stale, PostgreSQL failed) is taken back at once, and a worker that claims one
before that gives it back for a moment rather than dropping it while its write may
still land (``worker_unwritten``). Nothing is lost either way: a row written but whose
push failed is pushed by the tick's repair, as for any trigger (jobsched/handoff.py).
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from datetime import datetime
from typing import Any

from jobsched.domain.models import QueueItem, Route
from jobsched.errors import DependencyError
from jobsched.queue import RedisQueue
from jobsched.queue.sent_call import SentCall

log = logging.getLogger("jobsched.early_push")

ROUTES_KEPT = 10_000
"""Jobs whose route a process remembers (least recently triggered forgotten first)."""


class Routes:
    """The routes of the jobs recently triggered through this process, by job id (the
    job's own priority: a run that overrides it carries its own).

    Only ever a guess: ``trigger_one`` checks it against the job as it stands."""

    def __init__(self, kept: int = ROUTES_KEPT) -> None:
        self._kept = kept
        self._routes: OrderedDict[str, Route] = OrderedDict()
        self._lock = threading.Lock()  # an API process may serve requests on threads

    def get(self, job_id: str) -> Route | None:
        return self._routes.get(job_id)

    def learn(self, job: dict[str, Any]) -> None:
        """The route of a job as a trigger's statement answered it (its snapshot)."""
        job_id = str(job["id"])
        route = Route(job["pool"], job["handler"], job["priority"], job["max_concurrency"])
        with self._lock:
            self._routes[job_id] = route
            self._routes.move_to_end(job_id)
            if len(self._routes) > self._kept:
                self._routes.popitem(last=False)

    def forget(self, job_id: str) -> None:
        """A job changed or deleted here: its next trigger learns its route anew."""
        with self._lock:
            self._routes.pop(job_id, None)


class EarlyPush:
    """One trigger's early push: ``send`` before the statement, ``settle`` after it."""

    def __init__(self, queue: RedisQueue, routes: Routes) -> None:
        self.queue = queue
        self.routes = routes
        self._sent: SentCall | None = None
        self._item: QueueItem | None = None
        self.pushed: str | None = None
        """The id pushed early and written, or whose push Redis refused (the tick's
        repair pushes it, as after any failed push): no second call either way."""

    def send(
        self, job_id: str, execution_id: str, due: datetime, priority: int | None, now: datetime
    ) -> Route | None:
        """Push the run with the job's known route; the route assumed, or None (no route
        known, or Redis could not take the call now: the usual order then)."""
        route = self.routes.get(job_id)
        if route is None:
            return None
        # The run's own priority, if it overrides the job's, is what its item carries.
        assumed = route if priority is None else route._replace(priority=priority)
        item = QueueItem(
            execution_id, assumed.priority, route.pool, job_id, route.max_concurrency, route.handler
        )
        queue = self.queue.for_pool(route.pool)
        try:
            self.queue.add_pools([route.pool])
            self._sent = queue.send_enqueue([(item, due)], now)
        except DependencyError as exc:
            # Redis is unreachable: one more try after the write would wait as long
            # again for nothing. The run is written unassumed; the tick pushes it.
            log.warning("push deferred to the tick: %s", exc)
            self.pushed = execution_id
            return None
        if self._sent is None:
            return None
        self._item = item
        return assumed

    def settle(self, job: dict[str, Any] | None, written: bool | None) -> None:
        """After the statement (``job``: its answer, None when it failed or found no
        job): the route learned, the push's answer read, and a run surely not written
        taken back out of the queue. ``written`` None: the statement raised, so it may
        have committed (its answer lost on the way back); the item stays, and a worker
        that claims it runs it if its row is there, drops it past the grace if not
        (``worker_unwritten``). Taking it back could stop a run already started."""
        if job is not None and job.get("id") is not None:
            self.routes.learn(job)
        if self._sent is None or self._item is None:
            return
        sent, item, self._sent = self._sent, self._item, None
        try:
            sent.answer()
        except DependencyError as exc:
            log.warning("early push unanswered: %s", exc)  # written: the tick repairs
        if written:
            self.pushed = item.id
            return
        if written is None:
            log.warning("trigger unanswered after its early push: its run, if written, runs")
            return
        try:
            self.queue.for_pool(item.pool).cancel([item.id])
        except DependencyError as exc:
            # The worker that claims it finds no row and drops it once it is old enough
            # (worker_unwritten): never run.
            log.warning("early push of an unwritten run not taken back: %s", exc)
