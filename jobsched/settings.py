"""The core's settings: what the API, the tick and the workers read.

Every variable, its default and its meaning is listed here and in the README's
configuration table. A bad value stops start-up with an error naming the variable.
The built-in handlers' settings (shell, webhook, a child process's limits) are
``jobsched.handler_settings.HandlerSettings``, the local stack's (its ports, the
processes it starts) ``infra.local.settings.LocalStackSettings``; the three share the
machinery of ``jobsched.envfields`` and the README's one table.
"""

from __future__ import annotations

from dataclasses import dataclass

from jobsched.domain.models import PoolLimits
from jobsched.domain.shards import BUCKETS
from jobsched.envfields import (
    POOL_NAME,
    EnvSettings,
    env_field,
    must_be_positive,
    must_not_be_negative,
    pool_values,
)
from jobsched.errors import SettingsError
from jobsched.handler_settings import HandlerSettings

__all__ = ["POOL_NAME", "HandlerSettings", "Settings", "describe"]

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/jobsched"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
MIN_DEAD_AFTER_MS = 3_000
DEFAULT_MAX_UNFINISHED_RUNS_PER_JOB = 10_000
"""Bounds what one job can pile up (runs for later wait up to 366 days, each about 1 KB
in PostgreSQL and in Redis), and the check itself: it counts the job's unfinished
runs up to the limit on each trigger and backfill."""


@dataclass(frozen=True)
class Settings(EnvSettings):
    database_url: str = env_field("DATABASE_URL", "PostgreSQL URL", default=DEFAULT_DATABASE_URL)
    redis_url: str = env_field("REDIS_URL", "Redis URL", default=DEFAULT_REDIS_URL)
    redis_cluster: bool = env_field(
        "REDIS_CLUSTER",
        "REDIS_URL names a node of a Redis Cluster (any node): use a cluster client",
        default=False,
    )
    redis_key_prefix: str = env_field(
        "REDIS_KEY_PREFIX", "prefix of every Redis key", default="job_scheduler"
    )
    scheduler_instance_id: str = env_field(
        "SCHEDULER_INSTANCE_ID", "identity used for the leader lock", default="scheduler-1"
    )
    leader_lock_ttl_s: float = env_field(
        "LEADER_LOCK_TTL", "leader lock TTL in seconds", default=30.0
    )
    scan_interval_ms: int = env_field("SCAN_INTERVAL_MS", "tick interval in ms", default=1000)
    scheduler_shards: int = env_field(
        "SCHEDULER_SHARDS",
        "shards the due-scan is split into; tick instances share them (1: the leader scans all)",
        default=1,
    )
    worker_id: str = env_field(
        "WORKER_ID", "identity of this worker ('auto': <hostname>-<pid>)", default="worker-1"
    )
    max_concurrent_jobs: int = env_field(
        "MAX_CONCURRENT_JOBS", "executions one worker runs at once", default=5
    )
    visibility_timeout_ms: int = env_field(
        "VISIBILITY_TIMEOUT_MS", "lease length of a claimed execution", default=300_000
    )
    worker_prefetch: int = env_field(
        "WORKER_PREFETCH",
        "runs one worker claims ahead of its free slots, held under their leases until a "
        "slot frees; at most as many as it finished in the last second or two (0: claim "
        "for free slots only; off with RECORD_RUNNING_AFTER_MS=0)",
        default=64,
    )
    worker_claim_ahead_ms: int = env_field(
        "WORKER_CLAIM_AHEAD_MS",
        "runs due within this long are claimed before their time (at most WORKER_PREFETCH), "
        "held under their leases and started by a timer when due; never past "
        "WORKER_DEAD_AFTER_MS nor VISIBILITY_TIMEOUT_MS (0: claimed when due; off with "
        "WORKER_PREFETCH=0, RECORD_RUNNING_AFTER_MS=0, and for pools with a rate limit)",
        default=1000,
    )
    worker_dead_after_ms: int = env_field(
        "WORKER_DEAD_AFTER_MS",
        "a worker silent this long is dead: the tick releases its leases",
        default=10_000,
    )
    worker_grace_ms: int = env_field(
        "WORKER_GRACE_MS", "how long a stopping worker waits for running work", default=30_000
    )
    record_running_after_ms: int = env_field(
        "RECORD_RUNNING_AFTER_MS",
        "a run still running after this long is recorded RUNNING; a shorter one is "
        "written once, when it finishes",
        default=300,
    )
    api_keys: tuple[str, ...] = env_field(
        "API_KEYS", "accepted API keys, comma-separated", default=()
    )
    api_keys_rate_limit: int = env_field(
        "API_KEYS_RATE_LIMIT_PER_MINUTE",
        "requests a minute each key in API_KEYS may make (0: unlimited)",
        default=0,
    )
    api_statement_timeout_ms: int = env_field(
        "API_STATEMENT_TIMEOUT_MS",
        "PostgreSQL cancels a statement of an API request running longer (then 503 "
        "statement_timeout; 0: no limit)",
        default=5000,
    )
    retention_days: int = env_field(
        "RETENTION_DAYS",
        "days finished executions are kept by the built-in cleanup job (0: kept forever)",
        default=30,
    )
    max_unfinished_runs_per_job: int = env_field(
        "MAX_UNFINISHED_RUNS_PER_JOB",
        "unfinished runs one job may hold; a trigger or backfill past it is refused (409); "
        "0: no limit",
        default=DEFAULT_MAX_UNFINISHED_RUNS_PER_JOB,
    )
    audit_retention_days: int = env_field(
        "AUDIT_RETENTION_DAYS",
        "days audit log entries are kept by the built-in cleanup job (0: kept forever)",
        default=365,
    )
    handler_modules: tuple[str, ...] = env_field(
        "HANDLER_MODULES",
        "import paths of modules with your handlers, comma-separated (workers load them)",
        default=(),
    )
    worker_pools: tuple[str, ...] = env_field(
        "WORKER_POOLS", "pools this worker serves, comma-separated", default=("default",)
    )
    pool_concurrency: tuple[str, ...] = env_field(
        "POOL_CONCURRENCY",
        "runs in flight at once per pool, across its workers (pool:N, comma-separated)",
        default=(),
    )
    pool_rate_limits: tuple[str, ...] = env_field(
        "POOL_RATE_LIMITS",
        "runs started per interval per pool, across its workers (pool:N/seconds, comma-sep.)",
        default=(),
    )
    max_deliveries: int = env_field(
        "MAX_DELIVERIES",
        "claims without a result (crash, hand-back) before an execution counts as poison",
        default=10,
    )
    priority_aging_step: int = env_field(
        "PRIORITY_AGING_STEP",
        "a waiting run gains one priority level for every this many runs queued after it "
        "(0: strict priority)",
        default=0,
    )

    def validate(self) -> None:
        must_be_positive(
            {
                "LEADER_LOCK_TTL": self.leader_lock_ttl_s,
                "SCAN_INTERVAL_MS": self.scan_interval_ms,
                "MAX_CONCURRENT_JOBS": self.max_concurrent_jobs,
                "VISIBILITY_TIMEOUT_MS": self.visibility_timeout_ms,
                "MAX_DELIVERIES": self.max_deliveries,
            }
        )
        if self.worker_dead_after_ms < MIN_DEAD_AFTER_MS:
            # Workers heartbeat every second: less would release live workers' leases.
            raise SettingsError(
                f"WORKER_DEAD_AFTER_MS must be at least {MIN_DEAD_AFTER_MS}, "
                f"got {self.worker_dead_after_ms!r}",
                variable="WORKER_DEAD_AFTER_MS",
            )
        if not 1 <= self.scheduler_shards <= BUCKETS:
            raise SettingsError(
                f"SCHEDULER_SHARDS must be between 1 and {BUCKETS}, got {self.scheduler_shards!r}",
                variable="SCHEDULER_SHARDS",
            )
        must_not_be_negative(
            {
                "WORKER_GRACE_MS": self.worker_grace_ms,
                "WORKER_PREFETCH": self.worker_prefetch,
                "WORKER_CLAIM_AHEAD_MS": self.worker_claim_ahead_ms,
                "RECORD_RUNNING_AFTER_MS": self.record_running_after_ms,
                "RETENTION_DAYS": self.retention_days,
                "AUDIT_RETENTION_DAYS": self.audit_retention_days,
                "API_KEYS_RATE_LIMIT_PER_MINUTE": self.api_keys_rate_limit,
                "API_STATEMENT_TIMEOUT_MS": self.api_statement_timeout_ms,
                "PRIORITY_AGING_STEP": self.priority_aging_step,
                "MAX_UNFINISHED_RUNS_PER_JOB": self.max_unfinished_runs_per_job,
            }
        )
        if not self.worker_pools:
            raise SettingsError("WORKER_POOLS must name at least one pool", variable="WORKER_POOLS")
        for pool in self.worker_pools:
            if not POOL_NAME.match(pool):
                raise SettingsError(
                    f"WORKER_POOLS: {pool!r} is not a pool name (lower-case letters, digits, "
                    "'-' and '_', at most 40)",
                    variable="WORKER_POOLS",
                )
        for pool, value in pool_values(self.pool_concurrency, "POOL_CONCURRENCY").items():
            if not value.isdigit() or int(value) <= 0:
                raise SettingsError(
                    f"POOL_CONCURRENCY: {pool}'s limit must be a positive integer, got {value!r}",
                    variable="POOL_CONCURRENCY",
                )
        for pool, value in pool_values(self.pool_rate_limits, "POOL_RATE_LIMITS").items():
            try:
                n, per_s = _rate(value)
            except ValueError:
                n, per_s = 0, 0.0
            if n <= 0 or per_s <= 0:
                raise SettingsError(
                    f"POOL_RATE_LIMITS: {pool}'s limit must be N/seconds (e.g. 10/60), "
                    f"got {value!r}",
                    variable="POOL_RATE_LIMITS",
                )
        if not self.database_url.startswith(("postgresql://", "postgres://")):
            raise SettingsError("DATABASE_URL must be a postgresql:// URL", variable="DATABASE_URL")
        if not self.redis_url.startswith(("redis://", "rediss://", "unix://")):
            raise SettingsError("REDIS_URL must be a redis:// URL", variable="REDIS_URL")

    def pool_limits(self, pool: str) -> PoolLimits:
        """The limits ``POOL_CONCURRENCY`` and ``POOL_RATE_LIMITS`` set on ``pool``."""
        concurrency = pool_values(self.pool_concurrency, "POOL_CONCURRENCY").get(pool, "0")
        rate = pool_values(self.pool_rate_limits, "POOL_RATE_LIMITS").get(pool)
        n, per_s = _rate(rate) if rate else (0, 0.0)
        return PoolLimits(int(concurrency), n, int(per_s * 1000))

    @property
    def leader_lock_ttl_ms(self) -> int:
        return int(self.leader_lock_ttl_s * 1000)


def _rate(text: str) -> tuple[int, float]:
    n, _, per = text.partition("/")
    return int(n), float(per)


def describe() -> list[tuple[str, str, str]]:
    """(variable, default, meaning) rows of the core's and the handlers' settings, for
    ``jobsched settings`` (the local stack's are ``infra.local``'s)."""
    return Settings.rows() + HandlerSettings.rows()
