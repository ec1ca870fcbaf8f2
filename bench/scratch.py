"""What every benchmark stands on: a throwaway database and Redis key prefix, and one
place results are written.

``scratch(label)`` creates a migrated database ``jobsched_<label>_<random>`` on the
server at DATABASE_URL (or one started for it) and a key prefix on REDIS_URL, and drops
both afterwards, whatever happened: a benchmark never leaves state behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from redis import Redis

from infra.local.services import ensure_postgres, ensure_redis
from jobsched.queue import RedisQueue
from jobsched.queue.redis_queue import connect
from jobsched.settings import DEFAULT_DATABASE_URL, DEFAULT_REDIS_URL, Settings
from jobsched.store import Store
from jobsched.store.migrations import migrate

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/" + name))


@dataclass
class Scratch:
    admin_url: str
    """A PostgreSQL URL allowed to create databases."""
    database_url: str
    redis_url: str
    prefix: str
    settings: Settings
    client: Redis
    store: Store
    queue: RedisQueue


@contextlib.contextmanager
def scratch(label: str, redis_url: str | None = None) -> Iterator[Scratch]:
    """``redis_url``: a Redis other than REDIS_URL's (a private server of the benchmark)."""
    base = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    admin = ensure_postgres(with_database(base, "postgres"))
    redis_url = ensure_redis(redis_url or os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL)
    name = f"jobsched_{label}_{secrets.token_hex(4)}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = with_database(admin, name)
    prefix = f"js{label}:{secrets.token_hex(4)}"
    client = connect(redis_url)
    store = None
    try:
        migrate(url)
        store = Store(url)
        # The benches enqueue tens of thousands of runs into one job before workers
        # drain them: past MAX_UNFINISHED_RUNS_PER_JOB's default, so it is off here.
        settings = Settings(
            database_url=url,
            redis_url=redis_url,
            redis_key_prefix=prefix,
            max_unfinished_runs_per_job=0,
        )
        yield Scratch(
            admin, url, redis_url, prefix, settings, client, store, RedisQueue(client, prefix)
        )
    finally:
        if store is not None:
            store.close()
        for key in client.scan_iter(match=f"*{prefix}*", count=1000):
            client.delete(key)
        client.close()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def write_results(name: str, results: dict[str, Any]) -> Path:
    """Write ``bench/results/<name>.json``; returns its path relative to the repository."""
    out = RESULTS / f"{name}.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    return out.relative_to(ROOT)
