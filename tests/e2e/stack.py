"""Start the local stack as a user does (`python -m jobsched up` in a subprocess: LocalStack,
template.yaml deployed into it, workers), on its own database, Redis key prefix and ports;
wait for its READY line; stop it with Ctrl-C and clean up. Used by the e2e fixtures and
the screenshots script.

    .venv/bin/python -m tests.e2e.stack     # a throwaway stack to poke at by hand
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg

from infra.local.ports import free_port
from jobsched.client import Client
from jobsched.store.migrations import migrate

ROOT = Path(__file__).resolve().parents[2]
READY = re.compile(r"READY api=(\S+) dashboard=(\S+) localstack=(\S+) stage=(\S+)")


@dataclass
class Stack:
    api_url: str
    dashboard_url: str
    api_key: str
    process: subprocess.Popen
    output: list[str]
    database_url: str = ""
    """The stack's own database, for tests that must reach under the API."""
    env: dict[str, str] | None = None
    """The environment it was started with (to start more workers on its servers)."""
    localstack_url: str = ""
    """LocalStack's gateway, where the stack is deployed (boto3's endpoint_url)."""
    stage_api_url: str = ""
    """The API through LocalStack's own API Gateway stage, not the pass-through."""
    redis_prefix: str = ""
    ready_s: float = 0.0
    """Seconds from starting `jobsched up` to its READY line."""

    def client(self) -> Client:
        return Client(self.api_url, self.api_key, timeout=15)


def _reader(stream, sink: list[str], ready: threading.Event) -> None:
    for line in iter(stream.readline, ""):
        sink.append(line)
        if READY.search(line):
            ready.set()
    ready.set()  # EOF: the process ended


@contextlib.contextmanager
def local_stack(
    admin_url: str,
    redis_url: str,
    label: str = "e2e",
    *,
    ready_timeout_s: float = 120,
    **env_overrides: str,
) -> Iterator[Stack]:
    """``admin_url``: a PostgreSQL URL allowed to create databases; ``env_overrides``:
    settings of the stack (``LOCAL_WORKERS="default:1"``); ``ready_timeout_s``: how long
    start-up may take (WORKER_RUNTIME=container builds the worker image first)."""
    name = f"jobsched_{label}_{secrets.token_hex(4)}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    database_url = admin_url.rsplit("/", 1)[0] + "/" + name
    prefix = f"js{label}:{secrets.token_hex(4)}"
    proc = None
    try:
        migrate(database_url)
        api_key = secrets.token_urlsafe(16)
        env = {
            **os.environ,
            "PORT": str(free_port()),
            "DASHBOARD_PORT": str(free_port()),
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "REDIS_KEY_PREFIX": prefix,
            "API_KEYS": api_key,
            "LOCAL_WORKERS": "2",
            "MAX_CONCURRENT_JOBS": "4",
            "WORKER_GRACE_MS": "2000",
            "LOCALSTACK_PORT": str(free_port()),
            "PYTHONPATH": str(ROOT),
            "PYTHONUNBUFFERED": "1",
            **env_overrides,
        }
        launched = time.monotonic()
        proc = subprocess.Popen(
            [sys.executable, "-m", "jobsched", "up"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        output: list[str] = []
        ready = threading.Event()
        threading.Thread(target=_reader, args=(proc.stdout, output, ready), daemon=True).start()
        ready.wait(timeout=ready_timeout_s)
        ready_s = time.monotonic() - launched
        match = next((m for line in output if (m := READY.search(line))), None)
        if match is None:
            raise RuntimeError("the local stack did not start:\n" + "".join(output[-60:]))
        yield Stack(
            match.group(1),
            match.group(2),
            api_key,
            proc,
            output,
            database_url,
            env,
            localstack_url=match.group(3),
            stage_api_url=match.group(4),
            redis_prefix=prefix,
            ready_s=ready_s,
        )
    finally:
        if proc is not None:
            proc.send_signal(signal.SIGINT)  # Ctrl-C, as a user stops it
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        from jobsched.queue.redis_queue import connect

        client = connect(redis_url, cluster=env_overrides.get("REDIS_CLUSTER") == "true")
        for key in client.scan_iter(match=f"*{prefix}*", count=1000):
            client.delete(key)
        client.close()
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def default_local_stack(label: str, **env_overrides: str) -> Iterator[Stack]:
    """A stack on the servers at DATABASE_URL / REDIS_URL (or local ones started for it)."""
    from infra.local.services import ensure_postgres, ensure_redis
    from jobsched.settings import DEFAULT_DATABASE_URL, DEFAULT_REDIS_URL

    base_pg = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    admin = ensure_postgres(base_pg.rsplit("/", 1)[0] + "/postgres")
    redis_url = ensure_redis(os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL)
    with local_stack(admin, redis_url, label, **env_overrides) as stack:
        yield stack


if __name__ == "__main__":

    def _interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _interrupt)
    with default_local_stack("manual") as s, contextlib.suppress(KeyboardInterrupt):
        print(f"api={s.api_url} dashboard={s.dashboard_url} key={s.api_key}", flush=True)
        while s.process.poll() is None:
            time.sleep(1)
