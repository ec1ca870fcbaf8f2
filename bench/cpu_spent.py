"""CPU time spent per call by each process a loop uses: this client, its PostgreSQL
backends and the private Redis server.

Wall-clock rates depend on what else the machine is doing; CPU seconds per call do much
less, so they say where a loop's time goes even on a busy machine (bench/floor.py).
Linux only: PostgreSQL backends are read from /proc/<pid>/stat, so the server must run
on this host.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import redis

_TICKS = os.sysconf("SC_CLK_TCK")
CPU_KEYS = ("client_us", "postgres_us", "redis_us")


def _process_cpu(pid: int) -> float | None:
    """User plus system CPU seconds of a process; None when it is gone or unreadable."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / _TICKS


def _backends(database_url: str) -> list[int]:
    with psycopg.connect(database_url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid()"
        ).fetchall()
    return [int(r[0]) for r in rows]


def _redis_cpu(client: redis.Redis) -> float:
    info: dict[str, Any] = client.info("cpu")
    return float(info["used_cpu_sys"]) + float(info["used_cpu_user"])


@contextmanager
def cpu_per_call(
    database_url: str, client: redis.Redis, calls: int
) -> Iterator[Callable[[], dict[str, float | None]]]:
    """Measure the block: yields a function that, once the block is done, answers the
    microseconds of CPU per call spent by this process (``client_us``), by the
    database's backends that lived through the whole block (``postgres_us``: open the
    loop's connections before entering) and by the Redis server (``redis_us``)."""
    pids = _backends(database_url)
    before = {pid: _process_cpu(pid) for pid in pids}
    client0, redis0 = time.process_time(), _redis_cpu(client)
    figures: dict[str, float | None] = {}
    yield lambda: figures
    client1, redis1 = time.process_time(), _redis_cpu(client)
    spent = 0.0
    for pid, start in before.items():
        end = _process_cpu(pid)
        if start is not None and end is not None:
            spent += end - start
    per_call = 1e6 / max(calls, 1)
    figures.update(
        client_us=round((client1 - client0) * per_call),
        postgres_us=round(spent * per_call) if pids else None,
        redis_us=round((redis1 - redis0) * per_call),
    )
