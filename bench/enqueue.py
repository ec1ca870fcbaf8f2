"""Enqueue rate: runs written to PostgreSQL and pushed to Redis, as a producer triggers them.

    .venv/bin/python -m bench.enqueue [--runs 20000] [--batch 500] [--singles 2000]

Through ``JobService.trigger_job`` (what ``POST /jobs/{id}/trigger`` runs, minus HTTP)
on a ``test.echo`` job, in a throwaway database and key prefix, no workers running:

- batched: ``--runs`` runs in triggers of ``--batch`` runs each (``{"runs": [...]}``);
- single: ``--singles`` triggers of one run each.

For each: runs/s written and pushed, PostgreSQL transactions per trigger (the
``pg_stat_database.xact_commit`` delta of the scratch database, read once the pool's
connections have reported), Redis round trips per trigger (counted in this process) and
Redis commands per trigger (``INFO commandstats`` delta, Lua's inner calls included).
The commandstats figure is exact only on a Redis nobody else uses: point ``REDIS_URL``
at a free loopback port and a private server is started for the run.

``measure(scratch)`` returns the figures as a dict for ``bench/run.py``; ``main`` prints
them and writes ``bench/results/enqueue.json``. Nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
from redis import Redis
from redis.connection import Connection

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.scratch import Scratch, scratch, write_results  # noqa: E402
from jobsched.domain.validation import validate_job_create  # noqa: E402
from jobsched.job_life import create_job  # noqa: E402
from jobsched.loader import builtin_registry  # noqa: E402
from jobsched.service import JobService  # noqa: E402
from jobsched.store import Store  # noqa: E402

STATS_SETTLE_S = 0.5
"""A backend reports its transaction counts when its session ends; a moment for it."""


@contextlib.contextmanager
def _round_trips() -> Iterator[list[int]]:
    """Count requests written to Redis by this process (a pipeline is one)."""
    count = [0]
    original = Connection.send_packed_command

    def counting(self: Connection, command: Any, check_health: bool = True) -> None:
        count[0] += 1
        original(self, command, check_health)

    Connection.send_packed_command = counting  # type: ignore[method-assign]
    try:
        yield count
    finally:
        Connection.send_packed_command = original  # type: ignore[method-assign]


def _commits(database_url: str) -> int:
    """Transactions committed in the database so far, as the statistics report them.
    Sessions report theirs when they end (idle ones only every 10 s or so): what is
    measured runs on a pool closed before this is read."""
    time.sleep(STATS_SETTLE_S)
    with psycopg.connect(database_url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()"
        ).fetchone()
    return int(row[0]) if row else 0


def _commands(client: Redis) -> int:
    """Commands Redis has run (every client's), not counting INFO itself."""
    stats = client.info("commandstats")
    return sum(v["calls"] for k, v in stats.items() if k != "cmdstat_info")


def _service(s: Scratch) -> JobService:
    """The service on a pool of its own, as an API process has it."""
    return JobService(Store(s.database_url), s.queue, builtin_registry(), s.settings)


def _counted(s: Scratch, triggers: int, work: Callable[[JobService], None]) -> dict[str, Any]:
    """Run ``work`` on a fresh service and say what it cost: seconds, and PostgreSQL
    and Redis work per trigger. A session's own start is one transaction, and so is
    each read of the figure: both are taken out."""
    first = _commits(s.database_url)
    before = _commits(s.database_url)
    per_read = before - first
    service = _service(s)
    commands = _commands(s.client)
    with _round_trips() as trips:
        t0 = time.perf_counter()
        work(service)
        elapsed = time.perf_counter() - t0
        trips_seen = trips[0]
    commands = _commands(s.client) - commands - 1  # one INFO was counted by the other
    sessions = service.store.pool.get_stats().get("connections_num", 1)
    service.store.close()
    commits = _commits(s.database_url) - before - per_read - sessions
    return {
        "seconds": round(elapsed, 3),
        "pg_transactions_per_trigger": round(commits / triggers, 2),
        "redis_round_trips_per_trigger": round(trips_seen / triggers, 2),
        "redis_commands_per_trigger": round(commands / triggers, 2),
    }


def measure(s: Scratch, runs: int = 20_000, batch: int = 500, singles: int = 2_000) -> dict:
    """Batched and single triggers through the service; figures as a dict."""
    setup = _service(s)
    data = validate_job_create(
        {"name": "enqueue", "handler": "test.echo"}, setup.registry, s.settings
    )
    job_id = create_job(setup.store, data, setup.clock.now()).id
    setup.trigger_job(job_id, None)  # warm: Lua scripts loaded, catalogs cached
    setup.store.close()

    sizes = [min(batch, runs - i) for i in range(0, runs, batch)]

    def batched(service: JobService) -> None:
        for size in sizes:
            service.trigger_job(job_id, {"runs": [{}] * size})

    def single(service: JobService) -> None:
        for _ in range(singles):
            service.trigger_job(job_id, None)

    many = _counted(s, len(sizes), batched)
    one = _counted(s, singles, single)
    with psycopg.connect(s.database_url) as conn:
        rows = conn.execute("SELECT status, count(*) FROM executions GROUP BY status")
        by_status = {status: n for status, n in rows}
    depth = s.queue.depth()
    return {
        "batched": {
            "runs": runs,
            "batch": batch,
            "runs_per_s": round(runs / many["seconds"]),
            **many,
        },
        "single": {"runs": singles, "runs_per_s": round(singles / one["seconds"]), **one},
        "held_by_redis": depth["ready"] + depth["delayed"],
        "rows_by_status": by_status,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--singles", type=int, default=2_000)
    args = parser.parse_args()
    with scratch("enqueue") as s:
        results = measure(s, args.runs, args.batch, args.singles)
    print(json.dumps(results, indent=2))
    print(f"written to {write_results('enqueue', results)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
