"""Private Redis and PostgreSQL servers plus real tick and worker processes, for chaos.

Both the chaos test (``test_chaos.py``) and ``make chaos`` (``run.py``) drive a
``Cluster``: servers started under ``.local/chaos-<random>/`` on free ports, so killing
or restarting them disturbs nothing else on the machine.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import psycopg

from infra.local.ports import free_port
from infra.local.services import LocalServices, postgres_answers, redis_answers
from jobsched.errors import DependencyError
from jobsched.settings import Settings
from jobsched.store import Store
from jobsched.store.migrations import migrate

ROOT = Path(__file__).resolve().parents[2]
T = TypeVar("T")


class Cluster:
    """Private servers plus the tick and worker processes under test.

    ``env`` is the base environment of every process started (settings such as
    ``VISIBILITY_TIMEOUT_MS``); ``program`` the module run with ``python -m``.
    """

    def __init__(self, env: Mapping[str, str] | None = None, program: str = "jobsched") -> None:
        # Under the repo, not /tmp: PostgreSQL runs as its own user and must reach it.
        self.root = ROOT / ".local" / f"chaos-{secrets.token_hex(3)}"
        self.logs = self.root / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.env = dict(env or {})
        self.program = program
        self.services = LocalServices(self.root)
        self.procs: dict[str, subprocess.Popen] = {}
        try:
            self.redis_url = self.services.ensure_redis(f"redis://127.0.0.1:{free_port()}/0")
            admin = self.services.ensure_postgres(
                f"postgresql://postgres@127.0.0.1:{free_port()}/postgres"
            )
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute("CREATE DATABASE chaos")
            self.database_url = admin.rsplit("/", 1)[0] + "/chaos"
            migrate(self.database_url)
        except BaseException:
            self.stop()
            raise
        self.settings = Settings(database_url=self.database_url, redis_url=self.redis_url)

    def start(self, name: str, command: str, **env: str) -> subprocess.Popen:
        environ = {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "PYTHONPATH": str(ROOT),
            **self.env,
            **env,
        }
        with open(self.logs / f"{name}.log", "ab") as log:  # the child keeps its own fd
            proc = subprocess.Popen(
                [sys.executable, "-m", self.program, command],
                env=environ,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.procs[name] = proc
        return proc

    def kill(self, name: str) -> None:
        """SIGKILL a process and wait until it is gone."""
        proc = self.procs.pop(name)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)

    def terminate(self, name: str, timeout: float = 60) -> subprocess.Popen:
        """SIGTERM a process (a graceful stop) and wait for it to exit."""
        proc = self.procs.pop(name)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=timeout)
        return proc

    def stop_processes(self, sig: int = signal.SIGKILL) -> None:
        """Stop every process; with SIGTERM, ticks give up the leader lock on the way
        out, so the next tick started leads at once instead of after the lock's TTL."""
        for proc in self.procs.values():
            proc.send_signal(sig)
        for proc in self.procs.values():
            proc.wait(timeout=60)
        self.procs.clear()

    def restart_redis_empty(self) -> None:
        """SIGKILL Redis and start it again: it has no persistence, so it comes back empty."""
        self.services.restart("redis-server", lambda: redis_answers(self.redis_url), kill=True)

    def restart_postgres(self) -> None:
        """Fast shutdown (every connection dropped), then start on the same data."""
        self.services.restart("postgres", lambda: postgres_answers(self.database_url, strict=True))

    def stop(self, keep: bool = False) -> None:
        """Stop every process and server; ``keep`` leaves the directory (logs, data)."""
        self.stop_processes()
        self.services.stop()
        if not keep:
            shutil.rmtree(self.root, ignore_errors=True)


def retrying(fn: Callable[[], T], attempts: int = 100) -> T:
    """Call ``fn`` while the caller's own connections recover from a restart."""
    for _ in range(attempts):
        try:
            return fn()
        except DependencyError:
            time.sleep(0.1)
    return fn()


def all_executions(store: Store, job_id: str) -> list[Any]:
    """Every execution of a job, through the store's paged listing."""
    items, after = [], None
    while True:
        page = store.executions.list(job_id=job_id, limit=200, after=after)
        items += page.items
        after = page.after
        if after is None:
            return items
