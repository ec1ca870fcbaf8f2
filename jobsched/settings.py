"""One typed settings object over the environment.

Every variable, its default and its meaning is listed here and in the README's
configuration table. A bad value stops start-up with an error naming the variable.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from jobsched.domain.models import DEFAULT_POOL, PoolLimits
from jobsched.domain.shards import BUCKETS
from jobsched.errors import SettingsError

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/jobsched"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
MIN_DEAD_AFTER_MS = 3_000
DEFAULT_MAX_UNFINISHED_RUNS_PER_JOB = 10_000
"""Bounds what one job can pile up (runs for later wait up to 366 days, each about 1 KB
in PostgreSQL and in Redis), and the check itself: it counts the job's unfinished
runs up to the limit on each trigger and backfill."""
MAX_LOCAL_TICKS = 4
"""The template's tick schedules (TickInstances)."""
POOL_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
"""Pool names go into Redis keys and CloudFormation names: short, lower case."""

ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
"""A portable environment variable name (no ``%``: bash imports ``BASH_FUNC_f%%`` as code)."""
# SHELL_ALLOWED_ENV is an allow-list, but listing one of these would hand payloads a
# way to run other code (the loader, bash start-up, tracing) or to pick other
# programs (PATH stays fixed), so start-up refuses them.
UNSAFE_SHELL_ENV = frozenset(
    {"PATH", "IFS", "PS4", "ENV", "BASH_ENV", "SHELLOPTS", "BASHOPTS", "PROMPT_COMMAND"}
)
UNSAFE_SHELL_ENV_PREFIXES = ("LD_", "DYLD_", "BASH_FUNC_")


def _env(name: str, help_: str, **kwargs: Any) -> Any:
    return field(metadata={"env": name, "help": help_}, **kwargs)


@dataclass(frozen=True)
class Settings:
    port: int = _env("PORT", "HTTP port of the local API", default=3001)
    dashboard_port: int = _env(
        "DASHBOARD_PORT", "HTTP port the local stack serves the dashboard at", default=3000
    )
    database_url: str = _env("DATABASE_URL", "PostgreSQL URL", default=DEFAULT_DATABASE_URL)
    redis_url: str = _env("REDIS_URL", "Redis URL", default=DEFAULT_REDIS_URL)
    redis_cluster: bool = _env(
        "REDIS_CLUSTER",
        "REDIS_URL names a node of a Redis Cluster (any node): use a cluster client",
        default=False,
    )
    redis_key_prefix: str = _env(
        "REDIS_KEY_PREFIX", "prefix of every Redis key", default="job_scheduler"
    )
    scheduler_instance_id: str = _env(
        "SCHEDULER_INSTANCE_ID", "identity used for the leader lock", default="scheduler-1"
    )
    leader_lock_ttl_s: float = _env("LEADER_LOCK_TTL", "leader lock TTL in seconds", default=30.0)
    scan_interval_ms: int = _env("SCAN_INTERVAL_MS", "tick interval in ms", default=1000)
    scheduler_shards: int = _env(
        "SCHEDULER_SHARDS",
        "shards the due-scan is split into; tick instances share them (1: the leader scans all)",
        default=1,
    )
    worker_id: str = _env(
        "WORKER_ID", "identity of this worker ('auto': <hostname>-<pid>)", default="worker-1"
    )
    max_concurrent_jobs: int = _env(
        "MAX_CONCURRENT_JOBS", "executions one worker runs at once", default=5
    )
    visibility_timeout_ms: int = _env(
        "VISIBILITY_TIMEOUT_MS", "lease length of a claimed execution", default=300_000
    )
    worker_dead_after_ms: int = _env(
        "WORKER_DEAD_AFTER_MS",
        "a worker silent this long is dead: the tick releases its leases",
        default=10_000,
    )
    worker_grace_ms: int = _env(
        "WORKER_GRACE_MS", "how long a stopping worker waits for running work", default=30_000
    )
    record_running_after_ms: int = _env(
        "RECORD_RUNNING_AFTER_MS",
        "a run still running after this long is recorded RUNNING; a shorter one is "
        "written once, when it finishes",
        default=300,
    )
    api_keys: tuple[str, ...] = _env("API_KEYS", "accepted API keys, comma-separated", default=())
    api_keys_rate_limit: int = _env(
        "API_KEYS_RATE_LIMIT_PER_MINUTE",
        "requests a minute each key in API_KEYS may make (0: unlimited)",
        default=0,
    )
    api_statement_timeout_ms: int = _env(
        "API_STATEMENT_TIMEOUT_MS",
        "PostgreSQL cancels a statement of an API request running longer (then 503 "
        "statement_timeout; 0: no limit)",
        default=5000,
    )
    local_ticks: int = _env(
        "LOCAL_TICKS",
        "tick instances the local stack runs (the template's TickInstances, 1-4)",
        default=1,
    )
    local_workers: tuple[str, ...] = _env(
        "LOCAL_WORKERS",
        "workers the local stack starts: a count (all on 'default') or pool:count pairs",
        default=("2",),
    )
    shell_allowed_commands: tuple[str, ...] = _env(
        "SHELL_ALLOWED_COMMANDS",
        "commands shell.command may run (comma-separated; empty = handler off)",
        default=(),
    )
    shell_allowed_env: tuple[str, ...] = _env(
        "SHELL_ALLOWED_ENV",
        "environment variables a shell.command payload may set (comma-separated; empty = none)",
        default=(),
    )
    webhook_allowed_hosts: tuple[str, ...] = _env(
        "WEBHOOK_ALLOWED_HOSTS",
        "private hosts/CIDRs http.webhook may call (comma-separated)",
        default=(),
    )
    child_max_memory_mb: int = _env(
        "CHILD_MAX_MEMORY_MB",
        "address space of a shell.command program or process-isolated handler, in MiB "
        "(RLIMIT_AS; 0: no limit)",
        default=4096,
    )
    child_max_cpu_seconds: int = _env(
        "CHILD_MAX_CPU_SECONDS",
        "CPU seconds a handler's child process may use (RLIMIT_CPU; 0: no limit)",
        default=3600,
    )
    child_max_open_files: int = _env(
        "CHILD_MAX_OPEN_FILES",
        "open files of a handler's child process (RLIMIT_NOFILE; 0: the worker's)",
        default=1024,
    )
    child_max_processes: int = _env(
        "CHILD_MAX_PROCESSES",
        "processes (threads included) of the worker's user a handler's child may fork up to "
        "(RLIMIT_NPROC, not enforced for root; 0: no limit)",
        default=4096,
    )
    retention_days: int = _env(
        "RETENTION_DAYS",
        "days finished executions are kept by the built-in cleanup job (0: kept forever)",
        default=30,
    )
    max_unfinished_runs_per_job: int = _env(
        "MAX_UNFINISHED_RUNS_PER_JOB",
        "unfinished runs one job may hold; a trigger or backfill past it is refused (409); "
        "0: no limit",
        default=DEFAULT_MAX_UNFINISHED_RUNS_PER_JOB,
    )
    audit_retention_days: int = _env(
        "AUDIT_RETENTION_DAYS",
        "days audit log entries are kept by the built-in cleanup job (0: kept forever)",
        default=365,
    )
    handler_modules: tuple[str, ...] = _env(
        "HANDLER_MODULES",
        "import paths of modules with your handlers, comma-separated (workers load them)",
        default=(),
    )
    worker_pools: tuple[str, ...] = _env(
        "WORKER_POOLS", "pools this worker serves, comma-separated", default=("default",)
    )
    pool_concurrency: tuple[str, ...] = _env(
        "POOL_CONCURRENCY",
        "runs in flight at once per pool, across its workers (pool:N, comma-separated)",
        default=(),
    )
    pool_rate_limits: tuple[str, ...] = _env(
        "POOL_RATE_LIMITS",
        "runs started per interval per pool, across its workers (pool:N/seconds, comma-sep.)",
        default=(),
    )
    max_deliveries: int = _env(
        "MAX_DELIVERIES",
        "claims without a result (crash, hand-back) before an execution counts as poison",
        default=10,
    )
    priority_aging_step: int = _env(
        "PRIORITY_AGING_STEP",
        "a waiting run gains one priority level for every this many runs queued after it "
        "(0: strict priority)",
        default=0,
    )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            name = f.metadata["env"]
            raw = environ.get(name)
            if raw is None or raw == "":
                continue
            values[f.name] = _parse(name, raw, f.default)
        values.update(overrides)
        settings = cls(**values)
        settings.validate()
        return settings

    def validate(self) -> None:
        positive = {
            "PORT": self.port,
            "DASHBOARD_PORT": self.dashboard_port,
            "LEADER_LOCK_TTL": self.leader_lock_ttl_s,
            "SCAN_INTERVAL_MS": self.scan_interval_ms,
            "MAX_CONCURRENT_JOBS": self.max_concurrent_jobs,
            "VISIBILITY_TIMEOUT_MS": self.visibility_timeout_ms,
            "MAX_DELIVERIES": self.max_deliveries,
        }
        for name, value in positive.items():
            if value <= 0:
                raise SettingsError(f"{name} must be greater than 0, got {value!r}", variable=name)
        if self.worker_dead_after_ms < MIN_DEAD_AFTER_MS:
            # Workers heartbeat every second: less would release live workers' leases.
            raise SettingsError(
                f"WORKER_DEAD_AFTER_MS must be at least {MIN_DEAD_AFTER_MS}, "
                f"got {self.worker_dead_after_ms!r}",
                variable="WORKER_DEAD_AFTER_MS",
            )
        self.local_worker_pools()  # raises naming LOCAL_WORKERS
        if not 1 <= self.local_ticks <= MAX_LOCAL_TICKS:
            raise SettingsError(
                f"LOCAL_TICKS must be between 1 and {MAX_LOCAL_TICKS}, got {self.local_ticks!r}",
                variable="LOCAL_TICKS",
            )
        if not 1 <= self.scheduler_shards <= BUCKETS:
            raise SettingsError(
                f"SCHEDULER_SHARDS must be between 1 and {BUCKETS}, got {self.scheduler_shards!r}",
                variable="SCHEDULER_SHARDS",
            )
        not_negative = {
            "WORKER_GRACE_MS": self.worker_grace_ms,
            "RECORD_RUNNING_AFTER_MS": self.record_running_after_ms,
            "RETENTION_DAYS": self.retention_days,
            "AUDIT_RETENTION_DAYS": self.audit_retention_days,
            "API_KEYS_RATE_LIMIT_PER_MINUTE": self.api_keys_rate_limit,
            "API_STATEMENT_TIMEOUT_MS": self.api_statement_timeout_ms,
            "PRIORITY_AGING_STEP": self.priority_aging_step,
            "MAX_UNFINISHED_RUNS_PER_JOB": self.max_unfinished_runs_per_job,
            "CHILD_MAX_MEMORY_MB": self.child_max_memory_mb,
            "CHILD_MAX_CPU_SECONDS": self.child_max_cpu_seconds,
            "CHILD_MAX_OPEN_FILES": self.child_max_open_files,
            "CHILD_MAX_PROCESSES": self.child_max_processes,
        }
        for name, value in not_negative.items():
            if value < 0:
                raise SettingsError(f"{name} must not be negative", variable=name)
        if not self.worker_pools:
            raise SettingsError("WORKER_POOLS must name at least one pool", variable="WORKER_POOLS")
        for pool in self.worker_pools:
            if not POOL_NAME.match(pool):
                raise SettingsError(
                    f"WORKER_POOLS: {pool!r} is not a pool name (lower-case letters, digits, "
                    "'-' and '_', at most 40)",
                    variable="WORKER_POOLS",
                )
        for pool, value in _pool_values(self.pool_concurrency, "POOL_CONCURRENCY").items():
            if not value.isdigit() or int(value) <= 0:
                raise SettingsError(
                    f"POOL_CONCURRENCY: {pool}'s limit must be a positive integer, got {value!r}",
                    variable="POOL_CONCURRENCY",
                )
        for pool, value in _pool_values(self.pool_rate_limits, "POOL_RATE_LIMITS").items():
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
        for name in self.shell_allowed_env:
            if not ENV_NAME.match(name):
                raise SettingsError(
                    f"SHELL_ALLOWED_ENV: {name!r} is not an environment variable name",
                    variable="SHELL_ALLOWED_ENV",
                )
            if name in UNSAFE_SHELL_ENV or name.startswith(UNSAFE_SHELL_ENV_PREFIXES):
                raise SettingsError(
                    f"SHELL_ALLOWED_ENV may not list {name}: it would let a payload run other code",
                    variable="SHELL_ALLOWED_ENV",
                )

    def local_worker_pools(self) -> dict[str, int]:
        """Workers per pool the local stack starts: ``2`` is ``{"default": 2}``,
        ``default:2,reports:1`` is what it says."""
        if len(self.local_workers) == 1 and ":" not in self.local_workers[0]:
            counts = {DEFAULT_POOL: self.local_workers[0]}
        else:
            counts = _pool_values(self.local_workers, "LOCAL_WORKERS")
        out: dict[str, int] = {}
        for pool, count in counts.items():
            if not count.strip().isdigit():
                raise SettingsError(
                    f"LOCAL_WORKERS: {pool}'s count must be a whole number, got {count!r}",
                    variable="LOCAL_WORKERS",
                )
            out[pool] = int(count)
        return out

    def pool_limits(self, pool: str) -> PoolLimits:
        """The limits ``POOL_CONCURRENCY`` and ``POOL_RATE_LIMITS`` set on ``pool``."""
        concurrency = _pool_values(self.pool_concurrency, "POOL_CONCURRENCY").get(pool, "0")
        rate = _pool_values(self.pool_rate_limits, "POOL_RATE_LIMITS").get(pool)
        n, per_s = _rate(rate) if rate else (0, 0.0)
        return PoolLimits(int(concurrency), n, int(per_s * 1000))

    @property
    def leader_lock_ttl_ms(self) -> int:
        return int(self.leader_lock_ttl_s * 1000)


def _parse(name: str, raw: str, default: Any) -> Any:
    try:
        if isinstance(default, bool):
            return raw.strip().lower() in {"1", "true", "yes", "on"}
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, float):
            return float(raw)
        if isinstance(default, tuple):
            return tuple(part.strip() for part in raw.split(",") if part.strip())
    except ValueError:
        kind = type(default).__name__
        raise SettingsError(f"{name} must be a {kind}, got {raw!r}", variable=name) from None
    return raw


def _pool_values(entries: tuple[str, ...], variable: str) -> dict[str, str]:
    """``pool:value`` entries as a dict; a malformed one names the variable."""
    out: dict[str, str] = {}
    for entry in entries:
        pool, sep, value = entry.partition(":")
        pool, value = pool.strip(), value.strip()
        if not sep or not POOL_NAME.match(pool) or not value:
            raise SettingsError(f"{variable}: {entry!r} is not pool:value", variable=variable)
        out[pool] = value
    return out


def _rate(text: str) -> tuple[int, float]:
    n, _, per = text.partition("/")
    return int(n), float(per)


def describe() -> list[tuple[str, str, str]]:
    """(variable, default, meaning) rows, for the README and ``jobsched settings``."""
    rows = []
    for f in fields(Settings):
        default = f.default
        shown = ",".join(default) if isinstance(default, tuple) else str(default)
        rows.append((f.metadata["env"], shown, f.metadata["help"]))
    return rows
