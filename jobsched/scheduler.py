"""The scheduler tick: ``run_once(now)`` does one pass; ``run_forever`` repeats it.

One pass, as the leader:
0. (first pass only) create the built-in jobs if they do not exist;
1. rebuild the Redis queue from PostgreSQL if Redis lost it (epoch marker gone),
   and reconcile the two every ``RECONCILE_EVERY`` so nothing is stranded; in the
   passes between, repair: push runs a trigger wrote QUEUED since the last pass (up
   to ``PUSH_GRACE`` ago) that Redis lacks because their writer's push was lost;
2. return executions whose lease lapsed (hung worker), and those held by workers
   whose heartbeats stopped for ``WORKER_DEAD_AFTER_MS`` (dead worker), to the queue;
3. promote retries whose backoff has passed; cancel the runs still running when their
   window closed, of jobs that say ``on_window_close: "cancel"`` (``window_close``);
4. write an execution for every cron occurrence due by the staging horizon (two scan
   intervals ahead) and advance the jobs; cancel runs overlap_policy=cancel_previous
   replaces; release runs held back (buffer_one, backfills) whose job is idle; and
   the same for scheduled workflows (``workflow_schedule``: a workflow run per
   occurrence), then the catch-up of workflow runs (``workflow_steps.catch_up``);
5. push the outbox: every PENDING execution goes to Redis, then becomes QUEUED. A run
   due later waits in Redis's delayed set, and a worker's claim makes it ready at its
   time (``claim.lua``): starts are as precise as the workers' polling, not the tick's.

Many schedulers may run; only the holder of the Redis leader lock works. The
lock is renewed every pass and taken over by a standby once it lapses. Even two
passes that both believe they lead cannot double-run an occurrence: the
(job, scheduled time) unique index makes the second insert a no-op.

With ``SCHEDULER_SHARDS`` > 1 step 4 is split: every instance, leader or not, leases
a fair share of the shards (``ShardLease``) and writes (and pushes) the runs of the
jobs in those shards only, so adding instances divides the scan. Steps 0–3, releasing
held runs and the outbox (which catches whatever a shard's push missed) stay the
leader's.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from jobsched import job_life, window_close, workflow_schedule, workflow_steps
from jobsched.builtin_jobs import builtin_jobs
from jobsched.clock import Clock, FakeClock, SystemClock
from jobsched.domain.audit import SYSTEM_ACTOR
from jobsched.domain.shards import buckets_of
from jobsched.errors import ConflictError, DependencyError
from jobsched.handoff import Handoff
from jobsched.queue import RedisQueue
from jobsched.queue.redis_queue import total_depth
from jobsched.settings import Settings
from jobsched.shard_lease import ShardLease
from jobsched.store import Store
from jobsched.tick_plan import Scheduled, schedule_due
from jobsched.workflow_life import WorkflowLife

log = logging.getLogger("jobsched.scheduler")

RECONCILE_EVERY = timedelta(seconds=30)
MIN_STOP_MARGIN_MS = 5_000
"""A Lambda tick stops at least this long before its timeout, and releases the lock."""
REBUILD_WAIT = timedelta(seconds=2)
"""How long the tick waits, once it finds Redis without its queue, before rebuilding
it: two worker heartbeats (a worker beats at most a second apart), for every worker
to have dropped the runs it held ahead under leases Redis no longer has."""
PUSH_GRACE = timedelta(seconds=2)
"""A trigger pushes its runs right after writing them QUEUED; one Redis still lacks
this long after it was written is taken as lost (the writer crashed, or Redis refused)
and pushed by the tick's repair. A writer whose commit came later than this after its
``now`` is covered by the next reconcile instead."""
STAGE_SCANS = 2
"""Runs are staged this many scan intervals ahead: a late or skipped pass still leaves
every run waiting in Redis before its time."""


@dataclass
class TickReport:
    leader: bool
    rebuilt: int = 0
    reconciled: int = 0
    repaired: int = 0
    """Runs written QUEUED whose writer's push was lost, pushed by this pass."""
    expired: list[str] = field(default_factory=list)
    released: list[str] = field(default_factory=list)
    promoted: list[str] = field(default_factory=list)
    scheduled: int = 0
    cancelled: int = 0
    """Runs cancelled because the next occurrence fell due (cancel_previous)."""
    window_closed: int = 0
    """Running runs cancelled because their window closed (on_window_close=cancel)."""
    aged: int = 0
    """Ready runs whose priority rose (PRIORITY_AGING_STEP)."""
    unheld: int = 0
    """Held-back runs let go because their job's previous run finished."""
    schedule_errors: int = 0
    """Jobs flagged this pass because their schedule could not be computed."""
    pushed: int = 0
    depth: dict[str, int] = field(default_factory=dict)
    """Summed over the pools."""
    pools: dict[str, dict[str, int]] = field(default_factory=dict)
    """Each pool's depth (what its workers scale on)."""
    shards: list[int] = field(default_factory=list)
    """The shards this instance scanned (SCHEDULER_SHARDS > 1; empty otherwise)."""
    backlog: bool = False
    """The due-scan hit its limit: more jobs may be due, so the next pass starts at once."""

    def to_dict(self) -> dict:
        data = asdict(self)
        data["expired"] = len(self.expired)
        data["released"] = len(self.released)
        data["promoted"] = len(self.promoted)
        return data


class Scheduler:
    def __init__(
        self,
        store: Store,
        queue: RedisQueue,
        settings: Settings,
        clock: Clock | None = None,
        instance_id: str | None = None,
    ) -> None:
        self.store = store
        self.queue = queue
        self.settings = settings
        self.clock = clock or SystemClock()
        self.handoff = Handoff(store, queue)
        self.instance_id = instance_id or settings.scheduler_instance_id
        # The random suffix keeps two processes started with the same id from
        # both believing they hold the lock.
        self.owner = f"{self.instance_id}:{secrets.token_hex(4)}"
        self._last_reconcile: datetime | None = None
        self._lost_at: datetime | None = None
        """When this tick first found Redis without the queue it had (None: it has it)."""
        self._had_queue = False
        self._repaired_until: datetime | None = None
        """Runs written QUEUED before this were checked for a lost push (by a restore
        or a repair); the next repair checks those written since."""
        self.staging = timedelta(milliseconds=STAGE_SCANS * settings.scan_interval_ms)
        """How far ahead runs are written and pushed to wait in Redis for their time."""
        self._builtins_ensured = False
        self.shard_lease = (
            ShardLease(queue, self.owner, settings.scheduler_shards, settings.leader_lock_ttl_ms)
            if settings.scheduler_shards > 1
            else None
        )

    # ------------------------------------------------------------ one pass

    def run_once(self, now: datetime | None = None) -> TickReport:
        now = now or self.clock.now()
        leader = self.queue.acquire_leader(self.owner, self.settings.leader_lock_ttl_ms, now)
        if self.shard_lease is not None:
            return self._sharded_pass(now, leader)
        if not leader:
            return TickReport(leader=False)
        report = TickReport(leader=True)
        pools = self._lead(now, report)
        scheduled = schedule_due(self.store, now, horizon=now + self.staging)
        self._count(scheduled, report)
        self._finish(now, report, pools)
        return report

    def _sharded_pass(self, now: datetime, leader: bool) -> TickReport:
        """One pass with SCHEDULER_SHARDS > 1: the leader's duties if it leads, and the
        due-scan of the shards this instance holds, its runs pushed at once."""
        assert self.shard_lease is not None
        shards = self.shard_lease.renew(now)
        report = TickReport(leader=leader, shards=shards)
        pools = self._lead(now, report) if leader else []
        if shards:
            buckets = buckets_of(shards, self.settings.scheduler_shards)
            scheduled = schedule_due(self.store, now, horizon=now + self.staging, buckets=buckets)
            self._count(scheduled, report)
            # Pushed here, not left to the leader's outbox: the push is most of a run's
            # cost in the tick, and it must divide among instances too.
            pushed = self.handoff.submit(lambda: scheduled.runs, now)
            report.pushed = sum(e.status == "QUEUED" for e in pushed)
        if leader:
            self._finish(now, report, pools)
        return report

    def _lead(self, now: datetime, report: TickReport) -> list[str]:
        """The leader's steps 0-3; returns the known pools."""
        if not self._builtins_ensured:
            for data in builtin_jobs(self.settings):
                if job_life.ensure_job(self.store, data, now):
                    log.info("built-in job created", extra={"job": data["name"]})
            self._builtins_ensured = True
        reconciling = True
        if self.queue.needs_rebuild():
            # A queue this tick saw and Redis then lost is rebuilt REBUILD_WAIT later, not
            # at once: the runs workers held ahead (prefetched, not started) are QUEUED
            # in PostgreSQL and the rebuild pushes them again; each worker's next
            # heartbeat (at most a second apart) finds their leases gone and drops them
            # first, so none runs twice. (A queue never seen, as at start, at once.)
            if self._had_queue:
                self._lost_at = self._lost_at or now
            if self._lost_at is None or now - self._lost_at >= REBUILD_WAIT:
                report.rebuilt = self.rebuild(now)
                self._lost_at = None
        elif self._last_reconcile is None or now - self._last_reconcile >= RECONCILE_EVERY:
            report.reconciled = self.rebuild(now)
        else:
            report.repaired = self.repair(now)
            reconciling = False
        self._had_queue = True  # Redis has it now, or this tick waits to rebuild it
        pools = self.queue.known_pools()
        for pool in pools:
            queue = self.queue.for_pool(pool)
            if reconciling:
                queue.recheck_parked()
            report.expired += queue.requeue_expired(now)
            report.released += queue.release_dead(now, self.settings.worker_dead_after_ms)
            report.promoted += queue.promote(now)
            if self.settings.priority_aging_step:
                report.aged += queue.age(self.settings.priority_aging_step)
            queue.prune_turns()
        self.store.outbox.mark_promoted(report.promoted, now)
        report.window_closed = len(window_close.cancel_closed(self.store, self.queue, now))
        self._workflows(now)
        return pools

    def _workflows(self, now: datetime) -> None:
        """Scheduled workflows' runs of the occurrences due now (pushed at once; runs
        overlap_policy=cancel_previous replaces cancelled as a user's cancel does), and
        the catch-up of runs whose advancement died apart from its end (issue 23)."""
        planned = workflow_schedule.schedule_due(self.store, now, now + self.staging)
        workflow_steps.push(self.handoff, planned.launched, now)
        if planned.cancel:
            life = WorkflowLife(self.store, self.queue, None, None, FakeClock(now), SYSTEM_ACTOR)
            for run_id in planned.cancel:
                with contextlib.suppress(ConflictError):  # it ended meanwhile
                    life.cancel_run(run_id)
        workflow_steps.catch_up(self.store, self.queue, now)

    def _count(self, scheduled: Scheduled, report: TickReport) -> None:
        report.backlog = scheduled.full
        report.scheduled = len(scheduled.executions)
        report.schedule_errors = len(scheduled.flagged)
        report.cancelled = len(scheduled.cancelled)
        if scheduled.cancelled:
            self.queue.cancel(scheduled.cancelled)

    def _finish(self, now: datetime, report: TickReport, pools: list[str]) -> None:
        """The leader's last steps: release held runs, the outbox, upkeep, depths."""
        report.unheld = self.store.schedule.release_held(now)
        report.pushed += self.flush_outbox(now)
        self.store.partitions.maintain(now)  # counters folded, partitions made ahead of time
        report.pools = {pool: self.queue.for_pool(pool).depth() for pool in pools}
        report.depth = total_depth(report.pools.values())
        repairs = (report.expired, report.released, report.rebuilt, report.reconciled)
        if any(repairs) or report.repaired:
            log.info("tick repaired the queue", extra=report.to_dict())

    def flush_outbox(self, now: datetime) -> int:
        """Push every PENDING execution, then mark it QUEUED (the outbox)."""
        return self.handoff.flush_outbox(now)

    def rebuild(self, now: datetime) -> int:
        """Make Redis hold every execution PostgreSQL says is in flight; returns how
        many ids were missing."""
        restored = self.handoff.restore(now, self.settings.visibility_timeout_ms)
        # What was committed before the read is covered; a run written in the last
        # PUSH_GRACE may have committed after it (or be mid-push): the repair's to check.
        self._last_reconcile, self._repaired_until = now, now - PUSH_GRACE
        return restored

    def repair(self, now: datetime) -> int:
        """Push the runs written QUEUED since the last check, up to PUSH_GRACE ago, that
        Redis lacks (their writer's push was lost); returns how many."""
        until = now - PUSH_GRACE
        since = self._repaired_until
        if since is None or until <= since:
            return 0
        pushed = self.handoff.repair(since, until, now, self.settings.visibility_timeout_ms)
        self._repaired_until = until
        return pushed

    def resign(self) -> None:
        with contextlib.suppress(DependencyError):
            self.queue.release_leader(self.owner)
        if self.shard_lease is not None:
            with contextlib.suppress(DependencyError):
                self.shard_lease.release()

    # ------------------------------------------------------------ the loop

    def run_forever(
        self,
        stop: threading.Event,
        remaining_ms: Callable[[], float] | None = None,
        on_report: Callable[[TickReport], None] | None = None,
    ) -> None:
        """Tick every SCAN_INTERVAL_MS until ``stop`` is set or ``remaining_ms``
        (a Lambda's remaining time) runs low. Dependency failures are logged and
        retried on the next pass: a restart of Redis or PostgreSQL loses nothing."""
        interval = self.settings.scan_interval_ms / 1000
        slowest_ms = 0.0
        try:
            while not stop.is_set():
                # Stop while a pass as slow as the slowest yet still fits twice: a Lambda
                # killed mid-pass at its timeout never resigns, and its lock would then
                # hold every other tick off for LEADER_LOCK_TTL.
                margin = max(MIN_STOP_MARGIN_MS, interval * 1000 + 2 * slowest_ms + 1000)
                if remaining_ms is not None and remaining_ms() < margin:
                    break
                started = time.monotonic()
                backlog = False
                try:
                    report = self.run_once()
                    backlog = report.backlog
                    if on_report:
                        on_report(report)
                except DependencyError as exc:
                    log.warning("tick skipped: %s", exc)
                except Exception:
                    # A bug in one pass must not stop scheduling for the rest.
                    log.exception("tick failed")
                slowest_ms = max(slowest_ms, (time.monotonic() - started) * 1000)
                # A pass that hit the due-scan's limit is followed at once: waiting a scan
                # interval after each batch would cap a tick at one batch per interval.
                stop.wait(0 if backlog else interval)
        finally:
            self.resign()
