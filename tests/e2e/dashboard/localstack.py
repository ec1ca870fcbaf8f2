"""Start the local stack outside pytest (for the screenshots script), the way
``tests/e2e/conftest.py`` does: ``python -m jobsched up`` in a subprocess, on its own
database and Redis key prefix, stopped with Ctrl-C and cleaned up afterwards."""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator

import psycopg

from infra.local.ports import free_port
from jobsched.settings import DEFAULT_DATABASE_URL, DEFAULT_REDIS_URL
from jobsched.store.migrations import migrate
from tests.e2e.conftest import READY, ROOT, Stack, _reader


@contextlib.contextmanager
def local_stack() -> Iterator[Stack]:
    from infra.local.services import ensure_postgres, ensure_redis

    base_pg = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    admin = ensure_postgres(base_pg.rsplit("/", 1)[0] + "/postgres")
    redis_url = ensure_redis(os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL)
    name = f"jobsched_shots_{secrets.token_hex(4)}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    database_url = admin.rsplit("/", 1)[0] + "/" + name
    migrate(database_url)
    prefix = f"jsshots:{secrets.token_hex(4)}"
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
    try:
        if match is None:
            raise RuntimeError("the local stack did not start:\n" + "".join(output[-60:]))
        yield Stack(match.group(1), match.group(2), api_key, proc, output)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        from jobsched.queue.redis_queue import connect

        client = connect(redis_url)
        for key in client.scan_iter(match=f"*{prefix}*", count=1000):
            client.delete(key)
        client.close()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _stop_on_sigterm() -> None:
    def handler(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)  # also when started in the background


if __name__ == "__main__":  # a stack to poke at by hand
    import time

    _stop_on_sigterm()
    with local_stack() as s:
        print(f"api={s.api_url} dashboard={s.dashboard_url} key={s.api_key}", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            while s.process.poll() is None:
                time.sleep(1)
