"""What ``GET /metrics`` and ``GET /metrics/executions`` answer: counts from the store,
depth and workers from Redis, throughput and durations from the per-minute rollups
(jobsched/domain/rollups.py)."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from jobsched.api.queries import MetricsQuery
from jobsched.clock import Clock
from jobsched.domain import alerts, rollups
from jobsched.domain import workflow_advance as flow
from jobsched.domain.contract import EXECUTION_STATUSES, JOB_STATUSES
from jobsched.errors import ValidationError
from jobsched.queue import RedisQueue
from jobsched.queue.redis_queue import total_depth
from jobsched.settings import Settings
from jobsched.store import Store

HOUR = timedelta(hours=1)
WORKER_STALE_MS = 15_000
WORKER_FORGET_MS = 3_600_000
FLOW_OUTCOMES = ("debounce_joined", "singleton_skipped", "singleton_replaced", "rate_rejected")


class MetricsReport:
    """The figures of the metrics endpoints, read when asked."""

    def __init__(self, store: Store, queue: RedisQueue, clock: Clock, settings: Settings) -> None:
        self.store, self.queue, self.clock, self.settings = store, queue, clock, settings

    def _shards(self) -> list[dict[str, Any]]:
        """Who holds each tick shard (SCHEDULER_SHARDS > 1; empty: the leader scans all)."""
        if self.settings.scheduler_shards == 1:
            return []
        holders = self.queue.shard_holders(self.settings.scheduler_shards)
        return [{"shard": h.shard, "holder": h.owner, "ttl_ms": h.ttl_ms} for h in holders]

    def overview(self) -> dict[str, Any]:
        """``GET /metrics``: jobs, runs, queue depth, throughput, failures, durations,
        the leader, shards and workers, as of now."""
        now = self.clock.now()
        counts = self.store.stats.counts()
        runs = self.store.workflows.run_counts()
        activity = _activity(
            self.store.stats.run_minutes(rollups.minute_start(now) - HOUR, now), now
        )
        pools = {pool: self.queue.for_pool(pool).depth() for pool in self.queue.known_pools()}
        depth = total_depth(pools.values())
        leader, ttl = self.queue.leader()
        workers = self.queue.workers(now, WORKER_STALE_MS, WORKER_FORGET_MS)
        flows = self.queue.flow_counts()

        def rate(failed: int, total: int) -> float:
            return round(failed / total, 4) if total else 0.0

        def ms(value: Any) -> int | None:
            return None if value is None else round(float(value))

        return {
            "alerts": rollups.breaches_last_hour(
                self.store.stats.alert_minutes(rollups.breaches_since(now), now),
                now,
                alerts.BREACHES,
            ),
            "jobs": {
                "total": sum(counts["jobs"].values()),
                "by_status": {s: counts["jobs"].get(s, 0) for s in JOB_STATUSES},
                "schedule_errors": counts["schedule_errors"],
            },
            "executions": {
                "by_status": {s: counts["executions"].get(s, 0) for s in EXECUTION_STATUSES}
            },
            "workflow_runs": {"by_status": {s: runs.get(s, 0) for s in flow.RUN_STATUSES}},
            "queue": {**depth, "pools": pools},
            "dead_letter": counts["dead_letter"],
            "throughput": {
                "last_minute": activity["last_minute"],
                "last_5_minutes": activity["last_5_minutes"],
                "last_hour": activity["last_hour"],
            },
            "failure_rate": {
                "last_5_minutes": rate(
                    activity["failed_last_5_minutes"], activity["last_5_minutes"]
                ),
                "last_hour": rate(activity["failed_last_hour"], activity["last_hour"]),
            },
            "duration_ms": {
                "p50": ms(activity["p50"]),
                "p95": ms(activity["p95"]),
                "p99": ms(activity["p99"]),
            },
            "leader": {"id": leader.rsplit(":", 1)[0] if leader else None, "ttl_ms": ttl},
            "shards": self._shards(),
            "workers": {"total": len(workers), "stale": sum(1 for w in workers if w["stale"])},
            "run_durations": _histograms(self.store.stats.run_durations()),
            "generated_at": now.isoformat(),
            "flow": {k: flows.get(k, 0) for k in FLOW_OUTCOMES},
        }

    def buckets(self, query: MetricsQuery) -> dict[str, Any]:
        """Succeeded and failed runs and the p95 duration per bucket of the window."""
        window, bucket = query.window_s, query.bucket_s
        if bucket > window:
            raise ValidationError({"bucket_s": "must be at most window_s"})
        if window // bucket > 1000:
            raise ValidationError({"bucket_s": "gives more than 1000 buckets; use a larger bucket"})
        # The rollups are per minute: buckets are whole minutes (the answer says which).
        bucket = max(1, math.ceil(bucket / 60)) * 60
        now = self.clock.now()
        since = rollups.minute_start(now - timedelta(seconds=window))
        by_start: dict[datetime, list[rollups.MinuteRow]] = {}
        for row in self.store.stats.run_minutes(since, now, bucket):
            by_start.setdefault(row.minute, []).append(row)
        buckets = []
        for start, rows in sorted(by_start.items()):
            p95 = rollups.quantile(rollups.histogram(rows, {start: 1.0}), 0.95)
            buckets.append(
                {
                    "start": start.isoformat(),
                    "succeeded": sum(r.n for r in rows if r.status == "SUCCEEDED"),
                    "failed": sum(r.n for r in rows if r.status == "FAILED"),
                    "p95_duration_ms": None if p95 is None else round(p95 * 1000),
                }
            )
        return {"buckets": buckets, "window_s": window, "bucket_s": bucket}


def _activity(rows: list[rollups.MinuteRow], now: datetime) -> dict[str, Any]:
    """Throughput, failures and duration percentiles (ms, of runs that SUCCEEDED)
    over the trailing minute, 5 minutes and hour, from per-minute rollups (precision:
    jobsched/domain/rollups.py)."""
    minutes = {r.minute for r in rows}
    out: dict[str, Any] = {}
    for name, window in (("last_minute", 1), ("last_5_minutes", 5), ("last_hour", 60)):
        weights = {m: rollups.weight(m, now, timedelta(minutes=window)) for m in minutes}
        out[name] = round(sum(r.n * weights[r.minute] for r in rows))
        failed = [r for r in rows if r.status == "FAILED"]
        out[f"failed_{name}"] = round(sum(r.n * weights[r.minute] for r in failed))
    hour = {m: rollups.weight(m, now, HOUR) for m in minutes}
    succeeded = rollups.histogram((r for r in rows if r.status == "SUCCEEDED"), hour)
    for name, q in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99)):
        seconds = rollups.quantile(succeeded, q)
        out[name] = None if seconds is None else seconds * 1000
    return out


def _histograms(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The store's per-bucket counts as cumulative histograms per status, as
    Prometheus has them (``le``: the bucket's upper bound in seconds, ``+Inf`` last)."""
    out: dict[str, Any] = {}
    for row in rows:
        hist = out.setdefault(row["status"], {"buckets": [], "count": 0, "sum_seconds": 0.0})
        hist["count"] += row["n"]
        hist["sum_seconds"] = round(hist["sum_seconds"] + float(row["sum_s"]), 6)
        le = float(row["le"])
        label = "+Inf" if math.isinf(le) else format(le, "g")
        hist["buckets"].append({"le": label, "count": hist["count"]})
    return out
