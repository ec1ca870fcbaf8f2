"""The worker as a process: its heartbeat (leases extended, cancels passed on, its
registration), announcing what it serves, the loop, and a graceful stop. Mixed into
``Worker`` (jobsched/worker.py), whose state it uses."""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from datetime import datetime
from typing import Any

from jobsched.domain.leases import LeaseState
from jobsched.domain.states import AttemptOutcome
from jobsched.errors import DependencyError
from jobsched.notify import Notifier
from jobsched.queue import RedisQueue
from jobsched.queue.redis_queue import hostname
from jobsched.worker_executions import STOPPED, Running, _by_pool

log = logging.getLogger("jobsched.worker")


class WorkerProcess:
    # ------------------------------------------------------------ heartbeat

    def heartbeat(self, now: datetime | None = None) -> None:
        """Extend leases, pass on cancel requests, refresh the registration."""
        now = now or self.clock.now()
        with self._lock:
            # Finished runs whose result is not recorded yet (PostgreSQL down) keep
            # their lease too, or another worker would run them again.
            runs = list(self.running.values())
        self._extend_leases(runs, now)
        self.queue.heartbeat_worker(self.info(), now)

    def _extend_leases(self, runs: list[Running], now: datetime) -> None:
        """Extend these runs' leases; one whose cancel was requested, or whose lease
        was lost, is told to stop (or, not started yet, never starts)."""
        states: dict[str, LeaseState] = {}
        for pool, leases in _by_pool(
            (r.execution.id, r.token, r.execution.pool) for r in runs
        ).items():
            states.update(
                self._queue(pool).extend(
                    leases, now, self.settings.visibility_timeout_ms, owner=self.lease_owner
                )
            )
        for run in runs:
            if run.done:
                # Its result is recorded only if PostgreSQL still holds our token.
                continue
            state = states.get(run.execution.id)
            if state is LeaseState.CANCEL_REQUESTED and not run.cancel_requested:
                run.cancel_requested = True
                run.ctx.cancelled.set()
                log.info("cancel requested", extra={"execution_id": run.execution.id})
            elif not run.lease_lost and (
                state is LeaseState.LOST
                or (state is LeaseState.UNKNOWN and not run.started and not run.held.recorded)
            ):
                # Another worker may run it already: stop, and record nothing.
                # UNKNOWN (Redis lost the queue) is a loss only for a run still waiting
                # in the prefetch: PostgreSQL has it QUEUED, so the tick's rebuild pushes
                # it again for anyone to claim; it must not start here too. A run that
                # started keeps going: the rebuild restores the lease PostgreSQL
                # recorded for us (and one too short to be recorded ends before the
                # rebuild, which waits REBUILD_WAIT for this heartbeat).
                run.lease_lost = True
                run.ctx.cancelled.set()
                self.stats.lease_lost += 1
                log.warning(
                    "lease lost; stopping the run", extra={"execution_id": run.execution.id}
                )

    def _queue(self, pool: str) -> RedisQueue:
        """A pool's queue; a run may belong to a pool this worker no longer claims from
        only if its pools changed under it, so any pool is served for results."""
        return self.queues.get(pool) or self.queue.for_pool(pool)

    def info(self) -> dict[str, Any]:
        with self._lock:
            # Runs held ahead (prefetched, or before their time) are not running yet.
            running = len(self.running) - len(self.prefetch.waiting) - len(self.ahead)
        return {
            "id": self.worker_id,
            "host": hostname(),
            "pid": os.getpid(),
            "running": running,
            "capacity": self.capacity,
            "started_at": self.started_at.isoformat(),
            "pools": ",".join(self.pools),
            "handlers": ",".join(self.registry.names()),
        }

    # ------------------------------------------------------- the process

    def _idle_wait(self, poll_interval_s: float) -> float:
        """How long an idle worker waits before claiming again: its poll interval, or
        less when a run waiting in Redis falls due sooner (precise starts)."""
        with self._lock:
            full = self._active >= self.capacity or bool(self.prefetch.waiting)
        if full:
            # Its slots are taken (or it holds runs ahead): a run ending wakes it, and
            # it could claim nothing sooner. No Redis round trip per busy loop.
            return poll_interval_s
        try:
            dues = [d for pool in self.pools if (d := self.queues[pool].next_due())]
        except DependencyError:
            return poll_interval_s
        if not dues:
            return poll_interval_s
        due = min(dues)
        until = (due - self.clock.now()).total_seconds()
        # Already due but not claimed (this worker is full): poll as usual, never spin.
        return poll_interval_s if until <= 0 else min(poll_interval_s, until)

    def run_forever(self, stop: threading.Event, poll_interval_s: float = 0.05) -> None:
        """Work until ``stop`` is set, then shut down gracefully."""
        beat_stop = threading.Event()
        self.announce()
        with contextlib.suppress(DependencyError):
            self.heartbeat()  # registered before its first claim, not a second later
        beat = threading.Thread(target=self._beat_loop, args=(beat_stop,), daemon=True)
        beat.start()
        # Alerts go out from a thread of their own: a slow receiver delays no run.
        notifier = Notifier(
            self.store, self.registry, self.settings, self.clock, self.handler_settings
        )
        notify = threading.Thread(target=notifier.run_forever, args=(beat_stop,), daemon=True)
        notify.start()
        # Runs claimed before their time start when due, not when the loop comes by.
        timer = threading.Thread(target=self._timer_loop, args=(beat_stop,), daemon=True)
        timer.start()
        log.info("worker started", extra=self.info())
        try:
            while not stop.is_set():
                try:
                    started = self.run_once()
                except DependencyError as exc:
                    log.warning("worker loop: %s", exc)
                    stop.wait(1.0)
                    continue
                except Exception:
                    log.exception("worker loop failed")
                    stop.wait(1.0)
                    continue
                if not started:
                    self._wake.wait(self._idle_wait(poll_interval_s))
                    self._wake.clear()
            self.shutdown()
        finally:
            beat_stop.set()
            self.ahead.changed.set()
            timer.join(timeout=5)
            beat.join(timeout=5)
            notify.join(timeout=10)
            with contextlib.suppress(DependencyError):
                self.queue.remove_worker(self.worker_id)
            log.info("worker stopped", extra={"id": self.worker_id, **vars(self.stats)})

    def announce(self, now: datetime | None = None) -> None:
        """Publish what this worker serves: its pools (so the tick maintains their
        queues) and its handlers in the catalog (so the API can validate their jobs
        without importing them). Retried until PostgreSQL and Redis answer: a worker
        the catalog does not know of would wait for jobs the API refuses."""
        now = now or self.clock.now()
        while True:
            try:
                self.queue.add_pools(self.pools)
                self.store.handlers.publish([h.describe() for h in self.registry.handlers()], now)
                return
            except DependencyError as exc:
                log.warning("could not announce the worker yet: %s", exc)
                if self._stopping.wait(1.0):
                    return

    def _beat_loop(self, stop: threading.Event) -> None:
        while not stop.wait(self.heartbeat_interval_s):
            try:
                self.heartbeat()
            except DependencyError as exc:
                log.warning("heartbeat failed: %s", exc)
            except Exception:
                log.exception("heartbeat failed")

    def shutdown(self, grace_s: float | None = None) -> None:
        """Stop claiming; let running work finish within the grace period, then stop
        what is left and hand it back to the queue so another worker runs it."""
        self._stopping.set()
        self.hand_back_waiting()
        grace = self.settings.worker_grace_ms / 1000 if grace_s is None else grace_s
        deadline = time.monotonic() + grace
        while self._has_work() and time.monotonic() < deadline:
            self._flush_quietly()
            self._wake.wait(0.05)
            self._wake.clear()
        with self._lock:
            left = [r for r in self.running.values() if not r.done]
        for run in left:
            run.stopping = True
            run.ctx.cancelled.set()
        # Handlers that honour their context stop at once; don't wait on the rest.
        stop_by = time.monotonic() + 2.0
        while any(not r.done for r in left) and time.monotonic() < stop_by:
            self._wake.wait(0.05)
            self._wake.clear()
        for run in left:
            self._complete(run, AttemptOutcome.HANDED_BACK, error=STOPPED)
        for _ in range(50):
            if not self._has_work():
                break
            self._flush_quietly()
            if self._has_work():
                time.sleep(0.1)

    def _has_work(self) -> bool:
        with self._lock:
            return bool(self.running or self.completed)

    def _flush_quietly(self) -> None:
        try:
            self.flush()
        except DependencyError as exc:
            log.warning("flush failed during shutdown: %s", exc)
