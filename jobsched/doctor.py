"""``jobsched doctor``: the troubleshooting list, checked by a command.

Each check, in order, says OK or names the problem with its fix: Redis and
PostgreSQL reachable, migrations current, a scheduler holding the leader lock (and
since when), live workers (and what they serve), clock skew between this host and
Redis, jobs due but not queued, runs stuck RUNNING past their lease, dead-letter
growth. A check that needs a service that did not answer fails as skipped. It reads
Redis and PostgreSQL directly (``REDIS_URL``, ``DATABASE_URL``), as tick and
worker do, and changes nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from jobsched.clock import to_ms
from jobsched.errors import DependencyError
from jobsched.metrics_report import WORKER_FORGET_MS, WORKER_STALE_MS
from jobsched.queue import RedisQueue
from jobsched.settings import Settings
from jobsched.store import Store, migrations

OVERDUE_AFTER = timedelta(minutes=1)
"""A job due, or a run written, this long ago and still not queued: the tick is not
doing its work (it runs every SCAN_INTERVAL_MS)."""
LEASE_GRACE_MS = 10_000
"""A lease lapsed this long ago and not handed out again: the tick is not repairing."""
MISSING_AFTER = timedelta(minutes=1)
"""A RUNNING run absent from Redis this long: the tick's reconcile (every 30 s) missed it."""
MAX_SKEW_MS = 1_000
LEADER_GAP = timedelta(seconds=90)
"""On AWS the tick Lambda runs each minute and gives the lock up just before it ends:
no holder for a few seconds, with a pass this recent, is that gap, not a stopped tick."""
START = (
    "start one: `jobsched tick` (locally: `make up`); on AWS check the tick Lambda's "
    "schedule and logs"
)


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str | None = None


def _where(url: str) -> str:
    """host:port of a service URL, never its password."""
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname)


def _timed(probe: Callable[[], Any]) -> float:
    started = time.perf_counter()
    probe()
    return (time.perf_counter() - started) * 1000


class Doctor:
    def __init__(self, store: Store, queue: RedisQueue, settings: Settings) -> None:
        self.store, self.queue, self.settings = store, queue, settings
        self.redis_ok = self.postgres_ok = self.schema_ok = False

    def run(self, now: datetime) -> list[Check]:
        """Every check, in order. ``now`` is this host's time."""
        checks = [self.redis(), self.postgres(), self.migrations()]
        checks += [self.scheduler(now), self.workers(now), self.clock()]
        figures = self._figures(now)
        checks += [self.due(figures), self.stuck(figures, now), self.dead_letter(figures)]
        return checks

    # ----------------------------------------------------------- reachable

    def redis(self) -> Check:
        where = _where(self.settings.redis_url)
        try:
            ms = _timed(self.queue.ping)
        except DependencyError as exc:
            fix = f"start Redis or set REDIS_URL to one that answers ({exc.detail or exc})"
            return Check("redis", False, f"no answer from {where}", fix)
        self.redis_ok = True
        return Check("redis", True, f"{where} answers in {ms:.1f} ms")

    def postgres(self) -> Check:
        where = _where(self.settings.database_url)
        try:
            ms = _timed(lambda: self.store.ping(timeout_s=5))
        except DependencyError as exc:
            fix = f"start PostgreSQL or set DATABASE_URL to one that answers ({exc.detail or exc})"
            return Check("postgres", False, f"no answer from {where}", fix)
        self.postgres_ok = True
        return Check("postgres", True, f"{where} answers in {ms:.1f} ms")

    def _skipped(self, name: str, needs: str) -> Check:
        return Check(name, False, f"not checked: needs the {needs} check to pass first")

    def migrations(self) -> Check:
        if not self.postgres_ok:
            return self._skipped("migrations", "postgres")
        missing = migrations.pending(self.settings.database_url)
        self.schema_ok = not missing
        if missing:
            return Check(
                "migrations",
                False,
                f"{len(missing)} not applied: {', '.join(missing)}",
                "run `jobsched migrate` (make up and the API do at start)",
            )
        return Check("migrations", True, "current")

    # ----------------------------------------------------------- in Redis

    def scheduler(self, now: datetime) -> Check:
        if not self.redis_ok:
            return self._skipped("scheduler", "redis")
        owner, ttl = self.queue.leader()
        if owner is None:
            seen = self.queue.leader_seen()
            if seen is not None and now - seen <= LEADER_GAP:
                ago = round((now - seen).total_seconds())
                return Check("scheduler", True, f"between tick runs: the last pass was {ago} s ago")
            last = f" (last pass {seen.isoformat(timespec='seconds')})" if seen else ""
            return Check("scheduler", False, f"no scheduler holds the leader lock{last}", START)
        since = self.queue.leader_since()
        held = f", since {since.isoformat(timespec='seconds')}" if since else ""
        name = owner.rsplit(":", 1)[0]
        leads = f"{name} leads{held} (lock renewed, {ttl} ms left)"
        if self.settings.scheduler_shards == 1:
            return Check("scheduler", True, leads)
        return self._shards(now, leads)

    def _shards(self, now: datetime, leads: str) -> Check:
        """SCHEDULER_SHARDS > 1: every shard held by a tick instance (or between two of
        a Lambda tick's runs, as the leader lock may be)."""
        holders = self.queue.shard_holders(self.settings.scheduler_shards)
        by_owner: dict[str, list[str]] = {}
        for h in holders:
            if h.owner:
                by_owner.setdefault(h.owner, []).append(str(h.shard))
        orphans = [
            str(h.shard)
            for h in holders
            if not h.owner and (h.seen is None or now - h.seen > LEADER_GAP)
        ]
        if orphans:
            detail = f"{leads}; shard(s) {','.join(orphans)} held by no tick instance"
            return Check("scheduler", False, detail, START)
        shares = "; ".join(f"{owner} holds {','.join(s)}" for owner, s in by_owner.items())
        return Check(
            "scheduler", True, f"{leads}; {len(holders)} shards: {shares or 'between runs'}"
        )

    def workers(self, now: datetime) -> Check:
        if not self.redis_ok:
            return self._skipped("workers", "redis")
        found = self.queue.workers(now, WORKER_STALE_MS, WORKER_FORGET_MS)
        live = [w for w in found if not w["stale"]]
        fix = "start one: `jobsched worker` (locally: `make up`, LOCAL_WORKERS)"
        if not live:
            stale = f" ({len(found)} stale: heartbeats stopped)" if found else ""
            return Check("workers", False, f"no live worker{stale}", fix)
        waiting = [
            pool
            for pool in self.queue.known_pools()
            if self.queue.for_pool(pool).depth()["ready"]
            and not any(pool in w["pools"] for w in live)
        ]
        served = "; ".join(
            f"{w['id']} ({','.join(w['pools'])}: {len(w['handlers'])} handlers)" for w in live
        )
        if waiting:
            return Check(
                "workers",
                False,
                f"runs wait in pool(s) {', '.join(waiting)} that no live worker serves",
                f"start a worker with WORKER_POOLS={','.join(waiting)}",
            )
        return Check("workers", True, f"{len(live)} live: {served}")

    def clock(self) -> Check:
        if not self.redis_ok:
            return self._skipped("clock", "redis")
        before = time.time()
        theirs = self.queue.server_time().timestamp()
        after = time.time()
        skew_ms = round((theirs - (before + after) / 2) * 1000)
        limit = min(MAX_SKEW_MS, self.settings.worker_dead_after_ms // 4)
        detail = f"this host and Redis differ by {abs(skew_ms)} ms"
        if abs(skew_ms) > limit:
            fix = (
                f"keep clocks within {limit} ms with NTP (chrony, systemd-timesyncd) here and on "
                "Redis's host: dead-worker detection compares them (WORKER_DEAD_AFTER_MS)"
            )
            return Check("clock", False, detail, fix)
        return Check("clock", True, detail)

    # ------------------------------------------------------ in PostgreSQL

    def _figures(self, now: datetime) -> dict[str, Any] | None:
        if not self.schema_ok:  # an older schema may lack what the queries read
            return None
        return self.store.stats.doctor_figures(now, OVERDUE_AFTER)

    def due(self, figures: dict[str, Any] | None) -> Check:
        if figures is None:
            return self._skipped("due", "migrations")
        problems, fixes = [], []
        if figures["overdue"]:
            names = ", ".join(r["name"] for r in figures["overdue"][:5])
            problems.append(f"{len(figures['overdue'])} job(s) due and not queued ({names})")
            fixes.append(START)
        if figures["stale_pending"]:
            problems.append(f"{figures['stale_pending']} run(s) written but not pushed to Redis")
            fixes.append("the tick pushes them: check it runs and reaches Redis")
        if figures["unschedulable"]:
            names = ", ".join(
                f"{r['name']} ({r['schedule_error']})" for r in figures["unschedulable"][:5]
            )
            problems.append(
                f"{len(figures['unschedulable'])} job(s) the tick cannot schedule: {names}"
            )
            fixes.append(
                "fix their schedule or timezone (`jobsched jobs update NAME --schedule ...`)"
            )
        if problems:
            return Check("due", False, "; ".join(problems), "; ".join(fixes))
        return Check("due", True, "every due job is queued")

    def stuck(self, figures: dict[str, Any] | None, now: datetime) -> Check:
        if figures is None or not self.redis_ok:
            needs = "migrations" if figures is None else "redis"
            return self._skipped("stuck", needs)
        by_pool: dict[str, list[dict[str, Any]]] = {}
        for run in figures["running"]:
            by_pool.setdefault(run["pool"], []).append(run)
        stuck = []
        now_ms = to_ms(now)
        for pool, runs in by_pool.items():
            deadlines = self.queue.for_pool(pool).lease_deadlines([r["id"] for r in runs])
            for run in runs:
                deadline = deadlines[run["id"]]
                started = run["started_at"] or now
                if (deadline is None and now - started > MISSING_AFTER) or (
                    deadline is not None and deadline < now_ms - LEASE_GRACE_MS
                ):
                    stuck.append(run["id"])
        running = len(figures["running"])
        if stuck:
            return Check(
                "stuck",
                False,
                f"{len(stuck)} run(s) RUNNING past their lease: {', '.join(stuck[:5])}",
                f"the tick hands them to another worker: {START}",
            )
        return Check("stuck", True, f"{running} running, none past its lease")

    def dead_letter(self, figures: dict[str, Any] | None) -> Check:
        if figures is None:
            return self._skipped("dead-letter", "migrations")
        total, recent = figures["dead_letter"]["total"], figures["dead_letter"]["recent"]
        if recent:
            return Check(
                "dead-letter",
                False,
                f"{recent} new in the last hour ({total} in all)",
                "read their errors (`jobsched dlq list`), fix the cause, then "
                "`jobsched dlq redrive ID` or `jobsched dlq delete ID`",
            )
        return Check("dead-letter", True, f"no new entries in the last hour ({total} in all)")


def report(checks: list[Check]) -> dict[str, Any]:
    return {"ok": all(c.ok for c in checks), "checks": [asdict(c) for c in checks]}


def render(checks: list[Check]) -> str:
    width = max(len(c.name) for c in checks)
    lines = []
    for c in checks:
        lines.append(f"{'OK' if c.ok else 'FAIL':4}  {c.name:{width}}  {c.detail}")
        if c.fix:
            lines.append(f"{'':4}  {'':{width}}  fix: {c.fix}")
    return "\n".join(lines)
