"""The worker: claims executions up to its capacity (and a bounded number ahead of it,
``jobsched.worker_prefetch``) and runs their handlers.

Threads:
- the main loop (``run_once``) records finished attempts in batches
  (``jobsched.worker_results``), then starts prefetched runs in free slots and claims
  as many more as there are free slots plus what it may hold ahead;
- one heartbeat thread extends the leases of running executions, learns which were
  cancelled, and keeps this worker's registration fresh;
- handler threads, reused from run to run (``jobsched.threads``).

Written once. A claim reads the claimed rows (one statement for the batch) and starts
them without writing: a run that finishes within ``RECORD_RUNNING_AFTER_MS`` is
recorded once, QUEUED -> its final status, with its start, end, worker, attempt and
history. A run still running past that is recorded RUNNING by the main loop (batched),
so the API shows it running and the tick's rebuild restores its lease. Every write is
decided by ``jobsched.domain.recording`` and guarded in PostgreSQL (``jobsched.execution_record``):
it lands only if the row is still as this worker last read or wrote it, so a stale worker
never overwrites a newer lease or result.

Results are written to PostgreSQL first (guarded as above) and only then acked in
Redis, so a crash between the two repeats an ack, never a result. The worker
only reports outcomes: whether a failure is retried (and when) or dead-lettered is
decided as the result is recorded (``jobsched.domain.retry.decide``). When
PostgreSQL or Redis is down, finished results wait in memory and are retried while
the heartbeat keeps their leases alive. What handlers return or raise is cleaned
first (``jobsched.sanitize``) so PostgreSQL can store it.

Lost leases. A lease is lost when the tick gave the run to another worker: its
deadline passed, or this worker's heartbeats stopped for ``WORKER_DEAD_AFTER_MS``
(frozen, partitioned from Redis), or a retry replaced it. The heartbeat that learns
of it stops the handler as if cancelled and the attempt's result is discarded
(neither recorded nor acked). The duplicate window that remains: from the moment
the run is handed to another worker until this worker's next heartbeat (about one
second while it can reach Redis; as long as it cannot), plus however long the
handler takes to honour ``ctx.cancelled``. A handler that finished inside that
window has its result recorded only if PostgreSQL still holds its lease token.
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
import time
from datetime import datetime
from typing import Any

from jobsched import execution_record
from jobsched.clock import Clock, SystemClock
from jobsched.domain import retry
from jobsched.domain.execution_writes import ClaimedExecution
from jobsched.domain.recording import Held
from jobsched.domain.states import AttemptOutcome
from jobsched.errors import DependencyError
from jobsched.handler_settings import HandlerSettings
from jobsched.isolation import ChildFailed, Raised, run_in_process
from jobsched.plugins import FailNow, RetryLater
from jobsched.queue import RedisQueue
from jobsched.queue.redis_queue import Claim, hostname
from jobsched.registry import (
    HandlerCancelled,
    HandlerContext,
    HandlerRegistry,
    HandlerTimeout,
)
from jobsched.sanitize import UnstorableResult, clean_result, clean_text
from jobsched.settings import Settings
from jobsched.store import Store
from jobsched.threads import Threads
from jobsched.worker_ahead import Ahead, AheadStarts
from jobsched.worker_executions import (
    LINGER_S,
    MAX_ERROR_CHARS,
    STOPPED,
    TIMEOUT_GRACE_S,
    Completed,
    Running,
    WorkerStats,
    _by_pool,
    _error_text,
)
from jobsched.worker_launched import LaunchedRows
from jobsched.worker_prefetch import Prefetch
from jobsched.worker_process import WorkerProcess
from jobsched.worker_results import WorkerResults
from jobsched.worker_unwritten import not_yet_written

log = logging.getLogger("jobsched.worker")


class Worker(AheadStarts, WorkerResults, WorkerProcess):
    def __init__(
        self,
        store: Store,
        queue: RedisQueue,
        settings: Settings,
        registry: HandlerRegistry,
        clock: Clock | None = None,
        worker_id: str | None = None,
        handler_settings: HandlerSettings | None = None,
    ) -> None:
        self.store = store
        self.queue = queue
        self.settings = settings
        # What the handlers read; none given: their defaults (shell off, webhooks to
        # public hosts only), never more than the operator allowed.
        self.handler_settings = handler_settings or HandlerSettings()
        self.registry = registry
        self.clock = clock or SystemClock()
        self.worker_id = worker_id or settings.worker_id
        if self.worker_id == "auto":
            # Containers started from one task definition share their environment.
            self.worker_id = f"{hostname()}-{os.getpid()}"
        # Who holds our leases in Redis: unique per process, so a worker restarted
        # under the same WORKER_ID does not keep its dead predecessor's leases alive.
        self.lease_owner = f"{self.worker_id}:{secrets.token_hex(4)}"
        self.capacity = settings.max_concurrent_jobs
        self.pools = list(settings.worker_pools)
        self.queues = {pool: queue.for_pool(pool) for pool in self.pools}
        self._turn = 0
        self.retry_policy = retry.RetryPolicy(max_deliveries=settings.max_deliveries)
        self.running: dict[str, Running] = {}
        """Every run this worker holds a lease of: waiting in the prefetch, running, or
        finished with its result not recorded yet."""
        self._active = 0
        """Runs started and not finished: the slots in use."""
        # A start recorded RUNNING before the run begins (RECORD_RUNNING_AFTER_MS=0)
        # would show a prefetched run running while it waits: no prefetch then.
        self.prefetch = Prefetch(
            settings.worker_prefetch if settings.record_running_after_ms > 0 else 0
        )
        # Claimed before their time, never for longer than a lease outlives a silent
        # worker: one released by the tick is due already (jobsched/worker_ahead.py).
        horizon = min(
            settings.worker_claim_ahead_ms,
            settings.worker_dead_after_ms,
            settings.visibility_timeout_ms,
        )
        self.ahead = Ahead(horizon, self.prefetch.limit)
        self.threads = Threads(self.capacity)
        self.record_running_after_s = settings.record_running_after_ms / 1000
        self.completed: list[Completed] = []
        self.launched = LaunchedRows()  # the steps the last batch launched, read
        self._loggers: dict[str, logging.Logger] = {}
        self.stats = WorkerStats()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self.started_at = self.clock.now()
        self.heartbeat_interval_s = min(1.0, settings.visibility_timeout_ms / 3000)

    # ------------------------------------------------------------ main loop

    def run_once(self, now: datetime | None = None) -> int:
        """Record finished attempts, enforce timeouts, start prefetched runs in free
        slots, claim up to free capacity plus what may be held ahead. Returns how many
        executions were started or claimed."""
        now = now or self.clock.now()
        self._enforce_timeouts()
        self._linger()
        self.flush(now)
        if self._stopping.is_set():
            return 0
        begun = self._start_due(now) + self._start_waiting()
        ahead = self.prefetch.ahead()
        with self._lock:
            # Finished runs stay in `running` until their result is recorded: what is
            # held in all is bounded by the capacity plus the prefetch (plus the runs
            # held before their time, bounded apart).
            want = self.capacity + ahead - len(self.running) + len(self.ahead)
            full = self._active >= self.capacity
            waiting = len(self.prefetch.waiting)
        # Topped up in batches: when a slot is free, or the runs ahead ran down to half.
        if want <= 0 or (full and waiting > ahead // 2):
            want = 0
        early = self.ahead.to_claim(want > 0)
        if not want and not early:
            return begun
        # The time of the claim itself (recording may have taken a while): runs due
        # meanwhile are claimable now, and their start is recorded as it happens.
        now = max(now, self.clock.now())
        claims = self._claim(want, now, early)
        if not claims:
            return begun
        self.stats.claimed += len(claims)
        try:
            rows = self.launched.claimed(self.store, [c.execution_id for c, _ in claims])
        except DependencyError:
            # Give them back now rather than after the visibility timeout.
            for pool, leases in _by_pool((c.execution_id, c.token, p) for c, p in claims).items():
                self.queues[pool].release(leases)
            raise
        by_id = {str(r["id"]): r for r in rows}
        if self.record_running_after_s == 0 and rows:
            # Every start recorded before the run begins, as RUNNING (no write-once).
            tokens = {c.execution_id: c.token for c, _ in claims}
            held = [Held(r, tokens[i], self.worker_id, now) for i, r in by_id.items()]
            started, _ = execution_record.record(self.store, held, [], now)
            by_id = {i: h.row for i, h in started.items()}
        dropped = [(c.execution_id, c.token, p) for c, p in claims if c.execution_id not in by_id]
        later = not_yet_written(self.store, (d[0] for d in dropped), now) if dropped else {}
        for pool, leases in _by_pool(d for d in dropped if d[0] not in later).items():
            # Finished, cancelled or deleted meanwhile: nothing to run.
            self.queues[pool].ack(leases)
        for pool, leases in _by_pool(d for d in dropped if d[0] in later).items():
            # Pushed ahead of its write, which may still land: claimed again shortly.
            self.queues[pool].retry_later([(i, token, later[i]) for i, token in leases])
        for claim, _ in claims:
            row = by_id.get(claim.execution_id)
            if row is None:
                continue
            recorded = row["status"] == "RUNNING" and row["lease_token"] == claim.token
            held = Held(row, claim.token, self.worker_id, now, recorded)
            run = self._prepare(held, claim.deliveries)
            run.due_ms = claim.due_ms
            poison = retry.poison(claim.deliveries, self.retry_policy.max_deliveries)
            if poison is not None:
                # Not run: it keeps killing its workers. The store dead-letters it.
                self._complete(run, AttemptOutcome.FAILED, error=poison)
                continue
            self._hold(run)
        if self._stopping.is_set():
            self.hand_back_waiting()  # claimed while the worker began to stop
        self._start_waiting()
        return begun + len(by_id)

    def _start_waiting(self) -> int:
        """Start prefetched runs, in claim order, in the free slots."""
        runs = []
        with self._lock:
            while self.prefetch.waiting and self._active < self.capacity:
                if self._stopping.is_set():
                    break
                runs.append(self._begin(self.prefetch.waiting.popleft()))
        for run in runs:
            self._launch(run)
        return len(runs)

    def _begin(self, run: Running) -> Running:
        """A run takes a slot (called under the lock): its time starts now."""
        run.started = time.monotonic()
        run.ctx.deadline = run.started + run.execution.timeout_ms / 1000
        self._active += 1
        return run

    def _next_waiting(self) -> Running | None:
        """The prefetched run a handler thread that just freed its slot starts next."""
        with self._lock:
            if not self.prefetch.waiting or self._active >= self.capacity:
                return None
            if self._stopping.is_set():
                return None
            return self._begin(self.prefetch.waiting.popleft())

    def hand_back_waiting(self) -> None:
        """Prefetched runs not started go back to the queue (a stopping worker)."""
        with self._lock:
            runs = [*self.prefetch.waiting, *self.ahead.take_all()]
            self.prefetch.waiting.clear()
        for run in runs:
            run.stopping = True
            self._complete(run, AttemptOutcome.HANDED_BACK, error=STOPPED)

    def _linger(self) -> None:
        """Give runs started within the last ``LINGER_S`` that long to end, so a batch
        of quick runs is recorded (and its slots claimed again) together rather than a
        few at a time: each batch costs the same round trips whatever its size."""
        until = time.monotonic() + LINGER_S
        while True:
            with self._lock:
                fresh = any(
                    not r.done and r.started > until - 2 * LINGER_S for r in self.running.values()
                )
            left = until - time.monotonic()
            if not fresh or left <= 0:
                return
            self._wake.wait(left)
            self._wake.clear()

    def _claim(self, free: int, now: datetime, early: int = 0) -> list[tuple[Claim, str]]:
        """Claim up to ``free`` runs from this worker's pools, starting with a
        different pool each time so that no pool starves another (priority is
        strict within a pool, not across pools); and up to ``early`` runs due soon."""
        self._turn = (self._turn + 1) % len(self.pools)
        order = self.pools[self._turn :] + self.pools[: self._turn]
        claims: list[tuple[Claim, str]] = []
        for pool in order:
            soon = sum(1 for c, _ in claims if c.due_ms)
            if len(claims) - soon >= free and soon >= early:
                break
            got = self.queues[pool].claim(
                free - (len(claims) - soon),
                now,
                self.settings.visibility_timeout_ms,
                owner=self.lease_owner,
                limits=self.settings.pool_limits(pool),
                handlers=self.registry.names(),
                served_ms=self.settings.worker_dead_after_ms,
                ahead_ms=self.ahead.horizon_ms,
                ahead=early - soon,
            )
            claims += [(c, pool) for c in got]
        return claims

    def _prepare(self, held: Held, deliveries: int) -> Running:
        """A claimed run, not started yet (its deadline is set when it starts)."""
        execution = ClaimedExecution.of(held.row)
        ctx = HandlerContext(
            execution_id=execution.id,
            job_id=execution.job_id,
            attempt=execution.attempt,
            deadline=0.0,
            settings=self.settings,
            logger=self._logger(execution.handler),
            store=self.store,
            idempotency_key=execution.idempotency_key,
            handler_settings=self.handler_settings,
            inputs=held.row.get("step_inputs") or {},
        )
        run = Running(held, execution, ctx, deliveries)
        with self._lock:
            self.running[execution.id] = run
        return run

    def _logger(self, handler: str) -> logging.Logger:
        """The logger of a handler's runs (kept: one name lookup per handler, not per run)."""
        logger = self._loggers.get(handler)
        if logger is None:
            logger = self._loggers[handler] = logging.getLogger(f"jobsched.job.{handler}")
        return logger

    def _launch(self, run: Running) -> None:
        self.threads.submit(self._execute_chain, run)

    def _execute_chain(self, run: Running | None) -> None:
        """Run, then start the next prefetched run on this thread while the slot this
        run frees is the one it takes (not when a timeout freed it already)."""
        while run is not None:
            run = self._next_waiting() if self._execute(run) else None

    def _execute(self, run: Running) -> bool:
        """Run the handler; True if this ended the run (its slot is free now)."""
        execution = run.execution
        if (run.cancel_requested or run.lease_lost) and not run.held.recorded:
            # Cancelled (the row is CANCELLED already) or taken over while it waited
            # in the prefetch: never run, nothing of it recorded.
            run.skipped = True
            return self._complete(run, AttemptOutcome.CANCELLED, error="cancelled")
        handler = self.registry.get(execution.handler)
        timeout = f"timed out after {execution.timeout_ms} ms"
        try:
            if handler is None:
                raise RuntimeError(f"no handler named {execution.handler!r} on this worker")
            if handler.isolation == "process":
                result = run_in_process(handler.run, dict(execution.payload), run.ctx)
            else:
                result = handler.run(dict(execution.payload), run.ctx)
        except HandlerCancelled as exc:
            return self._complete(run, AttemptOutcome.CANCELLED, error=_error_text(exc))
        except HandlerTimeout:
            return self._complete(run, AttemptOutcome.TIMED_OUT, error=timeout)
        except RetryLater as exc:
            error = _error_text(exc)
            return self._complete(
                run, AttemptOutcome.FAILED, error=error, retry_after_ms=exc.delay_ms
            )
        except FailNow as exc:
            return self._complete(run, AttemptOutcome.FAILED, error=_error_text(exc), fail_now=True)
        except ChildFailed as exc:
            return self._complete_raised(run, exc.raised, timeout)
        except BaseException as exc:  # sys.exit() or KeyboardInterrupt in user code too
            return self._complete(run, AttemptOutcome.FAILED, error=_error_text(exc))
        else:
            try:
                cleaned = clean_result(result)
            except UnstorableResult as exc:
                # Not left to escape: the run would hold its slot until its timeout.
                return self._complete(
                    run, AttemptOutcome.FAILED, error=clean_text(str(exc), MAX_ERROR_CHARS)
                )
            else:
                return self._complete(run, AttemptOutcome.SUCCEEDED, result=cleaned)

    def _complete_raised(self, run: Running, raised: Raised, timeout: str) -> bool:
        """What a handler in a child process raised, recorded as if raised here."""
        text = raised.message or raised.type_name
        if raised.kind not in ("retry_later", "fail_now", "cancelled"):
            text = f"{raised.type_name}: {text}"
        error = clean_text(text, MAX_ERROR_CHARS)
        if raised.kind == "timeout":
            return self._complete(run, AttemptOutcome.TIMED_OUT, error=timeout)
        elif raised.kind == "cancelled":
            return self._complete(run, AttemptOutcome.CANCELLED, error=error)
        else:
            return self._complete(
                run,
                AttemptOutcome.FAILED,
                error=error,
                fail_now=raised.kind == "fail_now",
                retry_after_ms=raised.delay_ms,
            )

    def _complete(
        self,
        run: Running,
        outcome: AttemptOutcome,
        result: Any = None,
        error: str | None = None,
        *,
        fail_now: bool = False,
        retry_after_ms: int | None = None,
    ) -> bool:
        """The run's end, to be recorded; False if it had ended already."""
        with self._lock:
            if run.done:
                return False  # already recorded (e.g. timed out without the handler)
            run.done = True
            if run.started:
                self._active -= 1
            done = Completed(run, outcome, result, error, fail_now, retry_after_ms)
            self.completed.append(done)
        self._wake.set()
        return True

    def _enforce_timeouts(self) -> None:
        now = time.monotonic()
        with self._lock:
            late = [
                r
                for r in self.running.values()
                if r.started and not r.done and now > r.ctx.deadline + TIMEOUT_GRACE_S
            ]
        for run in late:
            run.ctx.cancelled.set()
            timeout = f"timed out after {run.execution.timeout_ms} ms"
            self._complete(run, AttemptOutcome.TIMED_OUT, error=timeout)
