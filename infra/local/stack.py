"""The local cloud in one command: ``python -m infra.local`` (or ``jobsched up``).

Start order, each step needing the ones before it:

1. Redis and PostgreSQL (found at REDIS_URL / DATABASE_URL, or started under .local/),
   the database, the migrations;
2. LocalStack (in-process, its own virtualenv) and ``template.yaml`` deployed into it
   through CloudFormation: the API and tick Lambdas (run by the project's executor
   plug-in), API Gateway, the EventBridge rule that fires the tick, the dashboard bucket;
3. the API at PORT, a pass-through to the deployed API Gateway stage;
4. one tick invocation (the rule's first firing is up to a minute away), the workers, and
   the dashboard uploaded to its bucket in LocalStack's S3.

``stop()`` undoes them in reverse. ``run_stack`` adds the banner, the ``READY`` line that
tests wait for, and signal handling: SIGINT/SIGTERM stop everything and exit 0.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import signal
import sys
import threading
import urllib.request
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import TextIO
from urllib.parse import urlsplit, urlunsplit

from infra.aws.publish_dashboard import upload_site
from infra.local.dashboard_site import DashboardSite, port_taken
from infra.local.deploy import Deployment, client, deploy, package_code, wait_for_functions
from infra.local.errors import LocalCloudError
from infra.local.localstack import LocalStackProcess
from infra.local.passthrough import PassThrough, stage_url
from infra.local.services import LocalServices, ensure_database
from infra.local.settings import LocalStackSettings
from infra.local.workers import WorkerPool
from jobsched.envfields import EnvSettings
from jobsched.handler_settings import HandlerSettings
from jobsched.settings import Settings

log = logging.getLogger("infra.local.stack")

API_PREFIX = "/api/v1"
STAGE = "api"  # RestApi's StageName in template.yaml


class LocalStack:
    """Everything ``template.yaml`` describes, on this machine. Mutates ``os.environ``."""

    def __init__(
        self,
        settings: Settings,
        repo_root: str | Path,
        *,
        port: int | None = None,
        workers: int | Mapping[str, int] | None = None,
        template_path: str | Path | None = None,
        dashboard_dir: str | Path | None = None,
        local_dir: str | Path | None = None,
        local: LocalStackSettings | None = None,
        handlers: HandlerSettings | None = None,
    ) -> None:
        self.settings = settings
        self.local = local or LocalStackSettings()
        self.handlers = handlers or HandlerSettings()
        self.repo_root = Path(repo_root).resolve()
        self.port = self.local.port if port is None else port
        self.workers = self.local.local_worker_pools() if workers is None else workers
        self.template_path = Path(template_path or self.repo_root / "template.yaml")
        self.dashboard_dir = Path(dashboard_dir or self.repo_root / "dashboard")
        self.local_dir = Path(local_dir or self.repo_root / ".local")
        self.api_url: str | None = None
        self.gateway_api_url: str | None = None
        self.dashboard_url: str | None = None
        self.api_key: str | None = None
        self.api_key_generated = False
        self.redis_url: str | None = None
        self.database_url: str | None = None
        self.services = LocalServices(self.local_dir)
        self.localstack: LocalStackProcess | None = None
        self.deployment: Deployment | None = None
        self.passthrough: PassThrough | None = None
        self.pool: WorkerPool | None = None
        self._stops: list[tuple[str, Callable[[], None]]] = []

    def start(self) -> None:
        """Start every piece; on failure, stop what already started and re-raise."""
        try:
            self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> None:
        # A port in use is said at once, not after a minute of start-up.
        if taken := port_taken(self.local.dashboard_port):
            raise taken
        # LocalStack boots in seconds, in parallel with the databases and migrations.
        localstack = LocalStackProcess(self.repo_root)
        self._stops.append(("localstack (and its Lambda environments)", localstack.stop))
        localstack.launch()
        self.localstack = localstack

        self._stops.insert(0, ("redis/postgresql", self.services.stop))
        if self.settings.redis_cluster:  # a 3-primary cluster under .local/ if none answers
            self.redis_url = self.services.ensure_redis_cluster(self.settings.redis_url)
        else:
            self.redis_url = self.services.ensure_redis(self.settings.redis_url)
        self.database_url = self.services.ensure_postgres(self.settings.database_url)
        ensure_database(self.database_url)

        # The workers read the environment, not these objects: export all of it, so a
        # stack given Settings(...) in code runs them with the same values.
        os.environ.update(settings_environment(self.settings, self.handlers, self.local))
        os.environ["REDIS_URL"] = self.redis_url
        os.environ["DATABASE_URL"] = self.database_url
        if self.settings.api_keys:
            self.api_key = self.settings.api_keys[0]
            os.environ["API_KEYS"] = ",".join(self.settings.api_keys)
        else:
            self.api_key, self.api_key_generated = secrets.token_urlsafe(24), True
            os.environ["API_KEYS"] = self.api_key

        from jobsched.store.migrations import migrate  # the core's; imported once env is set

        applied = migrate(self.database_url)
        log.info("migrations: %s", ", ".join(applied) if applied else "up to date")

        code = package_code(self.repo_root)  # while LocalStack may still be booting
        localstack.wait_ready()
        endpoint = localstack.endpoint_url

        self.deployment = deploy(
            endpoint,
            self.repo_root,
            secrets={
                "DATABASE_URL": self.database_url,
                "REDIS_URL": self.redis_url,
                "API_KEYS": os.environ["API_KEYS"],
            },
            parameters=template_parameters(self.settings, self.handlers, self.local),
            template_path=self.template_path,
            code=code,
        )
        lam = client("lambda", endpoint)
        api_fn = self.deployment.function_name("ApiFunction")
        tick_fn = self.deployment.function_name("TickFunction")
        wait_for_functions(lam, [api_fn, tick_fn])

        upstream = stage_url(endpoint, self.deployment.rest_api_id, STAGE)
        self.gateway_api_url = upstream + API_PREFIX
        passthrough = PassThrough(upstream, self.port)
        self._stops.append(("api", passthrough.stop))
        passthrough.start()
        self.passthrough = passthrough
        self.api_url = passthrough.url + API_PREFIX
        warm_up(self.api_url)

        # The rules fire a minute after they are created; schedules must not wait that
        # long. One invocation per tick instance (LOCAL_TICKS: the rules it enables).
        events = client("events", endpoint)
        for logical_id in tick_rules(self.local.local_ticks):
            rule = events.describe_rule(Name=self.deployment.resources[logical_id][1])
            lam.invoke(
                FunctionName=tick_fn, InvocationType="Event", Payload=scheduled_event(rule["Arn"])
            )

        pool = self._worker_pool()
        self._stops.append(("workers", pool.stop))
        pool.start()
        self.pool = pool

        bucket = self.deployment.outputs["DashboardBucketName"]
        keys = upload_site(
            client("s3", endpoint), bucket, self.dashboard_dir, {"apiUrl": self.api_url}
        )
        log.info("uploaded %d dashboard files to s3://%s", len(keys), bucket)
        site = DashboardSite(f"{endpoint}/{bucket}", self.local.dashboard_port)
        self._stops.append(("dashboard", site.stop))
        site.start()
        self.dashboard_url = site.url

    def _worker_pool(self) -> WorkerPool:
        """Worker processes, or (WORKER_RUNTIME=container) containers of the worker image."""
        if self.local.worker_runtime != "container":
            return WorkerPool(
                self.workers,
                grace_ms=self.settings.worker_grace_ms,
                env=dict(os.environ),
                cwd=self.repo_root,
            )
        from infra.local.worker_containers import KILL_MARGIN_S, ContainerWorkers

        containers = ContainerWorkers.prepare()
        return WorkerPool(
            self.workers,
            grace_ms=self.settings.worker_grace_ms,
            env={**os.environ, **containers.environment()},
            cwd=containers.engine.work_dir,
            command_for=containers.command,
            cleanup=containers.remove,
            kill_margin_s=KILL_MARGIN_S,
        )

    def stop(self) -> None:
        """Stop what started, newest first; one failing step does not skip the others."""
        while self._stops:
            name, stop = self._stops.pop()
            try:
                stop()
                log.info("stopped %s", name)
            except Exception:
                log.exception("stopping %s failed", name)

    def banner(self) -> str:
        key_note = " (generated; set API_KEYS to choose)" if self.api_key_generated else ""
        pids = ", ".join(f"{w} pid {p}" for w, p in (self.pool.pids if self.pool else {}).items())
        lines = [
            "",
            "Job Scheduler is running",
            f"  API        {self.api_url}",
            f"  Dashboard  {self.dashboard_url}",
            f"  LocalStack {self.localstack.endpoint_url if self.localstack else ''}"
            f" (stack {self.deployment.stack_name if self.deployment else ''})",
            f"  API stage  {self.gateway_api_url}",
            f"  API key    {self.api_key}{key_note}",
            f"  Redis      {_redact(self.redis_url or '')}",
            f"  PostgreSQL {_redact(self.database_url or '')}",
            f"  Workers    {_worker_counts(self.workers)}"
            + (" containers" if self.local.worker_runtime == "container" else "")
            + (f" ({pids})" if pids else ""),
            "",
            "  Try:",
            f'    curl -H "Authorization: Bearer {self.api_key}" {self.api_url}/jobs',
            f'    curl -X POST -H "Authorization: Bearer {self.api_key}" '
            "-H 'Content-Type: application/json' "
            '-d \'{"name": "hello", "handler": "test.echo", "payload": {"hi": 1}, '
            f'"schedule": "*/1 * * * *"}}\' {self.api_url}/jobs',
            "",
            "Ctrl-C stops everything.",
            f"READY api={self.api_url} dashboard={self.dashboard_url}"
            f" localstack={self.localstack.endpoint_url if self.localstack else ''}"
            f" stage={self.gateway_api_url}",
        ]
        return "\n".join(lines)


def settings_environment(*settings: EnvSettings) -> dict[str, str]:
    """``settings`` (the core's, the handlers', the local stack's) as the environment
    variables their ``from_env`` reads back."""
    env: dict[str, str] = {}
    for group in settings:
        env.update(group.environment())
    return env


def tick_rules(instances: int) -> list[str]:
    """The template's tick rules (logical ids) that ``instances`` tick instances enable."""
    return ["TickFunctionTick"] + [f"TickFunctionTick{n}" for n in range(2, instances + 1)]


def template_parameters(
    settings: Settings,
    handlers: HandlerSettings | None = None,
    local: LocalStackSettings | None = None,
) -> dict[str, str]:
    """The settings the template takes as parameters, so the Lambdas run with them too."""
    handlers = handlers or HandlerSettings()
    local = local or LocalStackSettings()
    return {
        "RedisKeyPrefix": settings.redis_key_prefix,
        "RedisCluster": "true" if settings.redis_cluster else "false",
        "ScanIntervalMs": str(settings.scan_interval_ms),
        "LeaderLockTtl": f"{settings.leader_lock_ttl_s:g}",
        "SchedulerShards": str(settings.scheduler_shards),
        "TickInstances": str(local.local_ticks),
        "VisibilityTimeoutMs": str(settings.visibility_timeout_ms),
        "MaxConcurrentJobs": str(settings.max_concurrent_jobs),
        "WorkerGraceMs": str(settings.worker_grace_ms),
        "RecordRunningAfterMs": str(settings.record_running_after_ms),
        "WorkerDeadAfterMs": str(settings.worker_dead_after_ms),
        "MaxDeliveries": str(settings.max_deliveries),
        "RetentionDays": str(settings.retention_days),
        "MaxUnfinishedRunsPerJob": str(settings.max_unfinished_runs_per_job),
        "AuditRetentionDays": str(settings.audit_retention_days),
        "ChildMaxMemoryMb": str(handlers.child_max_memory_mb),
        "ChildMaxCpuSeconds": str(handlers.child_max_cpu_seconds),
        "ChildMaxOpenFiles": str(handlers.child_max_open_files),
        "ChildMaxProcesses": str(handlers.child_max_processes),
        "ShellAllowedCommands": ",".join(handlers.shell_allowed_commands),
        "ShellAllowedEnv": ",".join(handlers.shell_allowed_env),
        "WebhookAllowedHosts": ",".join(handlers.webhook_allowed_hosts),
        "PoolConcurrency": ",".join(settings.pool_concurrency),
        "PoolRateLimits": ",".join(settings.pool_rate_limits),
        "ApiStatementTimeoutMs": str(settings.api_statement_timeout_ms),
    }


def scheduled_event(rule_arn: str) -> bytes:
    """The event EventBridge sends a rule's target when the schedule fires."""
    region, account = rule_arn.split(":")[3:5]
    event = {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": account,
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [rule_arn],
        "detail": {},
    }
    return json.dumps(event).encode()


def warm_up(api_url: str) -> None:
    """One request, so the API's first Lambda environment starts now, not on a user's click."""
    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=30) as reply:
            log.info("API answers: %s", json.load(reply))
    except OSError as exc:  # an HTTPError (503) is an answer too; the banner still helps
        log.warning("API warm-up: %s", exc)


def _redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def run_stack(
    settings: Settings,
    repo_root: str | Path,
    *,
    out: TextIO | None = None,
    local: LocalStackSettings | None = None,
    handlers: HandlerSettings | None = None,
) -> None:
    """Start the stack, print the banner and READY, block until SIGINT/SIGTERM, stop.
    The local stack's and the handlers' settings are read from the environment unless
    given (a bad value raises ``SettingsError`` naming it before anything starts)."""
    out = out or sys.stdout
    local = local or LocalStackSettings.from_env()
    handlers = handlers or HandlerSettings.from_env()
    _configure_logging()
    stack = LocalStack(settings, repo_root, local=local, handlers=handlers)
    stop_requested = threading.Event()
    starting = True

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        if starting:
            raise KeyboardInterrupt  # abandon start-up; start() cleans up
        if not stop_requested.is_set():
            print(f"\n{signal.Signals(signum).name}: stopping...", file=out, flush=True)
        stop_requested.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        stack.start()
        starting = False
        print(stack.banner(), file=out, flush=True)
        stop_requested.wait()  # a signal handler runs between the lock's wake-ups
    except KeyboardInterrupt:
        print("interrupted during start-up", file=out, flush=True)
    except LocalCloudError as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        raise SystemExit(1) from None
    finally:
        starting = False
        stack.stop()  # idempotent: start() already cleaned up after a failure
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    print("stopped", file=out, flush=True)


def _configure_logging() -> None:
    if logging.getLogger().handlers:
        return
    level = os.environ.get("LOG_LEVEL", "INFO").upper()
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
        stream=sys.stderr,
    )


def _worker_counts(workers: int | Mapping[str, int]) -> str:
    """``2`` for two workers on the default pool, else ``default:2, reports:1``."""
    if isinstance(workers, int):
        return str(workers)
    if set(workers) <= {"default"}:
        return str(workers.get("default", 0))
    return ", ".join(f"{pool}:{n}" for pool, n in workers.items())
