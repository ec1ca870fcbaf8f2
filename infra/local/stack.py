"""The local cloud in one command: ``python -m infra.local`` (or ``jobsched up``).

Start order, each step needing the ones before it:

1. Redis and PostgreSQL (found at REDIS_URL / DATABASE_URL, or started under .local/),
   the database, the migrations;
2. the environment the app and the workers read: DATABASE_URL, REDIS_URL, API_KEYS (a
   generated key when none is set), set *before* the app module is imported;
3. the API Gateway server with the API function loaded (a broken app fails here, loudly);
4. the schedule firer (the tick), 5. the workers, 6. the dashboard in its S3 bucket.

``stop()`` undoes them in reverse. ``run_stack`` adds the banner, the ``READY`` line that
tests wait for, and signal handling: SIGINT/SIGTERM stop everything and exit 0.
"""

from __future__ import annotations

import logging
import os
import secrets
import signal
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import fields
from pathlib import Path
from types import FrameType
from typing import TextIO
from urllib.parse import urlsplit, urlunsplit

from infra.local.apigw import ApiGateway
from infra.local.errors import LocalCloudError
from infra.local.events import ScheduleFirer
from infra.local.runtime import FunctionRuntime
from infra.local.s3site import DashboardSite
from infra.local.services import LocalServices, ensure_database
from infra.local.template import load_template, read_stack
from infra.local.workers import WorkerPool
from jobsched.settings import Settings

log = logging.getLogger("infra.local.stack")

API_PREFIX = "/api/v1"


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
        package: str | None = "app",
    ) -> None:
        self.settings = settings
        self.repo_root = Path(repo_root).resolve()
        self.port = settings.port if port is None else port
        self.workers = settings.local_worker_pools() if workers is None else workers
        self.template_path = Path(template_path or self.repo_root / "template.yaml")
        self.dashboard_dir = Path(dashboard_dir or self.repo_root / "dashboard")
        self.local_dir = Path(local_dir or self.repo_root / ".local")
        self.package = package
        self.api_url: str | None = None
        self.dashboard_url: str | None = None
        self.api_key: str | None = None
        self.api_key_generated = False
        self.redis_url: str | None = None
        self.database_url: str | None = None
        self.services = LocalServices(self.local_dir)
        self.gateway: ApiGateway | None = None
        self.firer: ScheduleFirer | None = None
        self.pool: WorkerPool | None = None
        self.site: DashboardSite | None = None
        self._stops: list[tuple[str, Callable[[], None]]] = []

    def start(self) -> None:
        """Start every piece; on failure, stop what already started and re-raise."""
        try:
            self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> None:
        if str(self.repo_root) not in sys.path:
            sys.path.insert(0, str(self.repo_root))  # handlers import app.* from the tree
        self._stops.append(("redis/postgresql", self.services.stop))
        self.redis_url = self.services.ensure_redis(self.settings.redis_url)
        self.database_url = self.services.ensure_postgres(self.settings.database_url)
        ensure_database(self.database_url)

        # The app and the workers read the environment, not this object: export all of it,
        # so a stack given Settings(...) in code runs them with the same values.
        os.environ.update(settings_environment(self.settings))
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

        spec = read_stack(load_template(self.template_path))
        runtimes = {
            fid: FunctionRuntime(fn, package=self.package) for fid, fn in spec.functions.items()
        }
        gateway = ApiGateway(
            spec.routes,
            runtimes,
            stage=spec.stage,
            cors=spec.cors,
            gateway_headers=spec.gateway_headers,
            port=self.port,
        )
        self._stops.append(("api", gateway.stop))
        for fid in {r.function.logical_id for r in spec.routes}:
            runtimes[fid].load()
        gateway.start()
        self.gateway = gateway
        self.api_url = gateway.url + API_PREFIX

        firer = ScheduleFirer(spec.schedules, runtimes, stack_name="job-scheduler-local")
        self._stops.append(("schedules", firer.stop))
        firer.start()
        self.firer = firer

        pool = WorkerPool(
            self.workers,
            grace_ms=self.settings.worker_grace_ms,
            env=dict(os.environ),
            cwd=self.repo_root,
        )
        self._stops.append(("workers", pool.stop))
        pool.start()
        self.pool = pool

        site = DashboardSite(self.dashboard_dir)
        self._stops.append(("dashboard", site.stop))
        self.dashboard_url = site.start(self.api_url)
        self.site = site

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
            f"  API key    {self.api_key}{key_note}",
            f"  Redis      {_redact(self.redis_url or '')}",
            f"  PostgreSQL {_redact(self.database_url or '')}",
            f"  Workers    {_worker_counts(self.workers)}" + (f" ({pids})" if pids else ""),
            "",
            "  Try:",
            f'    curl -H "Authorization: Bearer {self.api_key}" {self.api_url}/jobs',
            f'    curl -X POST -H "Authorization: Bearer {self.api_key}" '
            "-H 'Content-Type: application/json' "
            '-d \'{"name": "hello", "handler": "test.echo", "payload": {"hi": 1}, '
            f'"schedule": "*/1 * * * *"}}\' {self.api_url}/jobs',
            "",
            "Ctrl-C stops everything.",
            f"READY api={self.api_url} dashboard={self.dashboard_url}",
        ]
        return "\n".join(lines)


def settings_environment(settings: Settings) -> dict[str, str]:
    """``settings`` as the environment variables ``Settings.from_env`` reads back."""
    env = {}
    for f in fields(settings):
        value = getattr(settings, f.name)
        env[f.metadata["env"]] = ",".join(value) if isinstance(value, tuple) else str(value)
    return env


def _redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def run_stack(settings: Settings, repo_root: str | Path, *, out: TextIO | None = None) -> None:
    """Start the stack, print the banner and READY, block until SIGINT/SIGTERM, stop."""
    out = out or sys.stdout
    _configure_logging()
    stack = LocalStack(settings, repo_root)
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
