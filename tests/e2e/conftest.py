"""The local stack, started as a user starts it (`jobsched up` in a subprocess),
once per test session, on its own database, key prefix and ports."""

from __future__ import annotations

import os
import re
import secrets
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from infra.local.ports import free_port
from jobsched.client import Client
from jobsched.store.migrations import migrate

ROOT = Path(__file__).resolve().parents[2]
READY = re.compile(r"READY api=(\S+) dashboard=(\S+)")


@dataclass
class Stack:
    api_url: str
    dashboard_url: str
    api_key: str
    process: subprocess.Popen
    output: list[str]

    def client(self) -> Client:
        return Client(self.api_url, self.api_key, timeout=15)


def _reader(stream, sink: list[str], ready: threading.Event) -> None:
    for line in iter(stream.readline, ""):
        sink.append(line)
        if READY.search(line):
            ready.set()
    ready.set()  # EOF: the process ended


@pytest.fixture(scope="session")
def stack(services: dict[str, str], redis_url: str) -> Iterator[Stack]:
    admin = services["postgres_admin"]
    name = f"jobsched_e2e_{secrets.token_hex(4)}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    database_url = admin.rsplit("/", 1)[0] + "/" + name
    migrate(database_url)
    prefix = f"jste2e:{secrets.token_hex(4)}"
    api_key = secrets.token_urlsafe(16)
    env = {
        **os.environ,
        "PORT": str(free_port()),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "REDIS_KEY_PREFIX": prefix,
        "API_KEYS": api_key,
        "LOCAL_WORKERS": "2",
        "MAX_CONCURRENT_JOBS": "4",
        "WORKER_GRACE_MS": "2000",
        "DASHBOARD_BUCKET": "job-scheduler-dashboard",
        "PYTHONPATH": str(ROOT),
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("AWS_ENDPOINT_URL", None)
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
    ready.wait(timeout=120)
    match = next((m for line in output if (m := READY.search(line))), None)
    if match is None:
        proc.kill()
        raise RuntimeError("the local stack did not start:\n" + "".join(output[-60:]))
    try:
        yield Stack(match.group(1), match.group(2), api_key, proc, output)
    finally:
        proc.send_signal(signal.SIGINT)  # Ctrl-C, as a user stops it
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        from jobsched.queue.redis_queue import connect

        client = connect(redis_url)
        for key in client.scan_iter(match=f"*{prefix}*", count=1000):
            client.delete(key)
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def api(stack: Stack) -> Client:
    return stack.client()
