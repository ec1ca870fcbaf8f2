"""Scale benchmark: tick throughput with 1, 2 and 4 tick instances, and the per-operation
coefficients of the capacity model (docs/scaling.md). Prints figures and writes
bench/results/scale.json; not run by the tests.

    .venv/bin/python -m bench.scale [--stored 10000,100000] [--due 10000] [--runs 2000]

Against the real local Redis and PostgreSQL (own database and key prefix, dropped after):

- tick: ``--due`` jobs fall due at once among ``--stored``; N real ``python -m jobsched
  tick`` processes (SCHEDULER_SHARDS=4; and today's single leader) write and push their
  runs. Due occurrences scheduled per second, and every due job checked to have exactly
  one run (duplicates and misses reported);
- due scan: EXPLAIN ANALYZE of the whole due-scan and of one shard's (of 4, 16, 64),
  at each scale;
- coefficients, in one process so each call is counted: the tick's time per scheduled
  run (scan + plan + insert + advance; the plan's Python part apart), the push (Redis,
  then PostgreSQL's mark), and a run's whole life through an in-process worker: Redis
  round trips (Lua calls, pipelines) and milliseconds, PostgreSQL transactions and rows
  written, per run.

Nothing here asserts a timing; the machine is shared, so compare figures of one run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from redis.client import Pipeline  # noqa: E402

from bench.scratch import Scratch, scratch, write_results  # noqa: E402
from jobsched import tick_plan  # noqa: E402
from jobsched.clock import SystemClock  # noqa: E402
from jobsched.domain.shards import buckets_of  # noqa: E402
from jobsched.domain.validation import validate_job_create  # noqa: E402
from jobsched.handoff import Handoff  # noqa: E402
from jobsched.job_life import create_job  # noqa: E402
from jobsched.loader import builtin_registry  # noqa: E402
from jobsched.queue import RedisQueue  # noqa: E402
from jobsched.store import Store  # noqa: E402
from jobsched.store.queries import q  # noqa: E402
from jobsched.tick_plan import schedule_due  # noqa: E402
from jobsched.trigger import trigger_executions  # noqa: E402
from jobsched.worker import Worker  # noqa: E402

SHARDS = 4
FAR = timedelta(days=30)
SCAN_SHARDS = (4, 16, 64)
"""Shard counts whose one-shard due-scan plan is measured (PostgreSQL picks a different
index as a shard's share of the buckets shrinks)."""
YEARLY = "0 0 1 1 *"
"""The due jobs' schedule: one occurrence due now, the next months away, so each due
job must get exactly one run (a second one would be a duplicate)."""


# ------------------------------------------------------------------ the jobs


def load_jobs(s: Scratch, stored: int, due: int) -> None:
    """``stored`` jobs, none due; the first ``due`` are named ``due-*`` (made due later)."""
    now = datetime.now(UTC)
    with s.store.tx() as conn:
        conn.execute("TRUNCATE jobs, executions, dead_letter CASCADE")
        with (
            conn.cursor() as cur,
            cur.copy(
                "COPY jobs (id, name, handler, payload, schedule, timezone, priority, max_retries,"
                " timeout_ms, retry_backoff_ms, retry_backoff_max_ms, status, next_run_time,"
                " created_at, updated_at) FROM STDIN"
            ) as copy,
        ):
            for i in range(stored):
                name = f"due-{i}" if i < due else f"idle-{i}"
                job = (uuid.uuid4(), name, "test.echo", "{}", YEARLY, "UTC", 50)
                limits = (0, 60_000, 1000, 60_000)  # retries, timeout, backoff, backoff max
                copy.write_row((*job, *limits, "SCHEDULED", now + FAR, now, now))
        conn.execute("ANALYZE jobs")


def make_due(s: Scratch) -> None:
    with s.store.tx() as conn:
        conn.execute("TRUNCATE executions CASCADE")
        conn.execute(
            "UPDATE jobs SET next_run_time = now() - interval '1 second' WHERE name LIKE 'due-%'"
        )


def reset_due(s: Scratch) -> None:
    """No job due, and the dead rows of the last round vacuumed away, so each round
    starts from the same table (not from one bloated by the rounds before)."""
    with s.store.tx() as conn:
        conn.execute("TRUNCATE executions CASCADE")
        conn.execute(
            "UPDATE jobs SET next_run_time = now() + interval '30 days' WHERE name LIKE 'due-%'"
        )
    with psycopg.connect(s.database_url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE jobs")


def scalar(s: Scratch, query: str) -> Any:
    with s.store.tx() as conn:
        return next(iter(conn.execute(query).fetchone().values()))


# ------------------------------------------------------------------ tick throughput


@contextmanager
def ticks(s: Scratch, count: int, shards: int, prefix: str) -> Iterator[list[float]]:
    """``count`` tick processes; the list yielded gets each one's CPU seconds once they
    stopped (how the work divided, whatever else the machine was doing)."""
    env = {
        **os.environ,
        "DATABASE_URL": s.database_url,
        "REDIS_URL": s.redis_url,
        "REDIS_KEY_PREFIX": prefix,
        "SCHEDULER_SHARDS": str(shards),
        "SCAN_INTERVAL_MS": "50",
        "LEADER_LOCK_TTL": "5",
        "RETENTION_DAYS": "0",
        "PYTHONPATH": str(ROOT),
    }
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "jobsched", "tick"],
            env={**env, "SCHEDULER_INSTANCE_ID": f"scale-tick-{i}"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for i in range(count)
    ]
    cpu: list[float] = []
    try:
        yield cpu
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            _, _, usage = os.wait4(p.pid, 0)
            p.returncode = 0
            cpu.append(usage.ru_utime + usage.ru_stime)


def wait(condition: Callable[[], Any], timeout: float, what: str, every: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out: {what}")
        time.sleep(every)


def tick_throughput(s: Scratch, stored: int, due: int, count: int, shards: int) -> dict:
    prefix = f"{s.prefix}:t{stored}:{count}x{shards}"
    queue = RedisQueue(s.client, prefix)
    reset_due(s)
    with ticks(s, count, shards, prefix) as cpu:
        if shards > 1:

            def settled() -> bool:
                owners = [h.owner for h in queue.shard_holders(shards)]
                return all(owners) and len(set(owners)) == min(count, shards)

            wait(settled, 60, "tick instances sharing the shards")
        else:
            wait(lambda: queue.leader()[0], 60, "a leader")
        make_due(s)
        t0 = time.perf_counter()
        wait(
            lambda: scalar(s, "SELECT count(*) FROM executions WHERE status = 'QUEUED'") >= due,
            600,
            "every due run written and pushed",
            every=0.1,
        )
        elapsed = time.perf_counter() - t0
    with s.store.tx() as conn:
        row = conn.execute(
            "SELECT count(*) AS runs, count(DISTINCT (job_id, scheduled_for)) AS occurrences,"
            " count(DISTINCT job_id) AS jobs FROM executions"
        ).fetchone()
    in_redis = sum(queue.depth().values())
    result = {
        "stored_jobs": stored,
        "due": due,
        "instances": count,
        "shards": shards,
        "seconds": round(elapsed, 2),
        "scheduled_per_s": round(due / elapsed),
        "runs_written": row["runs"],
        "duplicates": row["runs"] - row["jobs"],
        "missed": due - row["jobs"],
        "in_redis": in_redis,
        "cpu_s_per_instance": [round(c, 2) for c in cpu],
        # The rate were every instance on a core of its own: the busiest one's CPU time
        # bounds it (each also spent CPU idling between passes, so this is a floor).
        "per_s_on_free_cores": round(due / max(cpu)) if cpu and max(cpu) else None,
    }
    print(
        f"tick  stored={stored:>7} due={due} instances={count} shards={shards}:"
        f" {result['scheduled_per_s']:>6}/s  duplicates={result['duplicates']}"
        f" missed={result['missed']} in_redis={in_redis} cpu_s={result['cpu_s_per_instance']}"
    )
    return result


# ------------------------------------------------------------------ due scan plans


def due_scan(s: Scratch, stored: int, due: int) -> dict:
    """EXPLAIN ANALYZE of the whole due-scan and of one shard's (of 4, 16 and 64)."""
    make_due(s)
    now = datetime.now(UTC)
    out: dict[str, Any] = {"stored_jobs": stored, "due": due}
    queries = {"all": (q("due_jobs"), {"now": now, "limit": 500})}
    for shards in SCAN_SHARDS:
        params = {"now": now, "limit": 500, "buckets": buckets_of([0], shards)}
        queries[f"one_shard_of_{shards}"] = (q("due_jobs_in_buckets"), params)
    with s.store.tx() as conn:
        conn.execute("ANALYZE jobs")
        for name, (sql, params) in queries.items():
            (plan,) = (
                conn.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql, params)
                .fetchone()
                .values()
            )
            top = plan[0]
            out[name] = {
                "ms": round(top["Execution Time"], 2),
                "buffers": top["Plan"].get("Shared Hit Blocks", 0)
                + top["Plan"].get("Shared Read Blocks", 0),
                "indexes": sorted(set(_indexes(top["Plan"]))),
            }
    reset_due(s)
    print(
        f"scan  stored={stored:>7} due={due}: all {out['all']['ms']} ms"
        + "".join(f", one of {n} {out[f'one_shard_of_{n}']['ms']} ms" for n in SCAN_SHARDS)
    )
    return out


def _indexes(node: dict) -> Iterator[str]:
    if "Index Name" in node:
        yield node["Index Name"]
    for child in node.get("Plans", []):
        yield from _indexes(child)


# ------------------------------------------------------------------ coefficients


class RedisCounter:
    """Counts and times this process's Redis round trips: one command (a Lua call is
    EVALSHA) or one pipeline."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.calls: Counter[str] = Counter()
        self.seconds = 0.0

    @contextmanager
    def counting(self) -> Iterator[RedisCounter]:
        plain, piped = self.client.execute_command, Pipeline.execute
        counter = self

        def command(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return plain(*args, **kwargs)
            finally:
                counter.seconds += time.perf_counter() - t0
                counter.calls[str(args[0]).upper()] += 1

        def pipeline(self: Pipeline, *args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return piped(self, *args, **kwargs)
            finally:
                counter.seconds += time.perf_counter() - t0
                counter.calls["PIPELINE"] += 1

        self.client.execute_command = command
        Pipeline.execute = pipeline
        try:
            yield self
        finally:
            del self.client.execute_command
            Pipeline.execute = piped


def timed_transactions(store: Store) -> list[float]:
    """Time spent holding ``store``'s connections from now on (seconds, in a 1-list):
    its transactions (``tx``) and the worker's single autocommit statements
    (``statement``)."""
    spent = [0.0]

    def timing(opened: Callable[..., Any]) -> Callable[..., Any]:
        @contextmanager
        def timed(*args: Any, **kwargs: Any) -> Iterator[Any]:
            t0 = time.perf_counter()
            try:
                with opened(*args, **kwargs) as conn:
                    yield conn
            finally:
                spent[0] += time.perf_counter() - t0

        return timed

    store.tx = timing(store.tx)  # type: ignore[method-assign]
    store.statement = timing(store.statement)  # type: ignore[method-assign]
    return spent


def pg_counters(s: Scratch) -> dict[str, int]:
    with s.store.tx() as conn:
        return conn.execute(
            "SELECT xact_commit, tup_inserted, tup_updated, tup_deleted FROM pg_stat_database"
            " WHERE datname = current_database()"
        ).fetchone()


def settled_pg_counters(s: Scratch) -> dict[str, int]:
    """After the measured store closed: its backends flush their counts as they exit."""
    last = pg_counters(s)
    for _ in range(50):
        time.sleep(0.2)
        now = pg_counters(s)
        if now == last:
            return now
        last = now
    return last


def tick_cost(s: Scratch, due: int) -> dict:
    """PostgreSQL time per scheduled run, and the push split into Redis and PostgreSQL."""
    make_due(s)
    store, counter, now = s.store, RedisCounter(s.client), datetime.now(UTC)
    planning = [0.0]
    plan_job = tick_plan.plan_job

    def timed_plan(*args: Any) -> Any:  # the Python part: due.plan's cron arithmetic
        t = time.perf_counter()
        try:
            return plan_job(*args)
        finally:
            planning[0] += time.perf_counter() - t

    tick_plan.plan_job = timed_plan  # type: ignore[assignment]
    t0 = time.perf_counter()
    written = 0
    try:
        while batch := len(schedule_due(store, now).executions):
            written += batch
    finally:
        tick_plan.plan_job = plan_job  # type: ignore[assignment]
    scheduled_s = time.perf_counter() - t0
    push_redis_s = mark_pg_s = 0.0
    with counter.counting():
        while pending := store.outbox.pending(limit=1000):
            t1 = time.perf_counter()
            s.queue.enqueue_delayed(pending, now)
            t2 = time.perf_counter()
            store.outbox.mark_queued([item.id for item, _ in pending], now)
            push_redis_s += t2 - t1
            mark_pg_s += time.perf_counter() - t2
    reset_due(s)
    result = {
        "runs": written,
        "schedule_ms_per_run": round(scheduled_s * 1000 / written, 4),
        "of_which_plan_python_ms_per_run": round(planning[0] * 1000 / written, 4),
        "push_redis_ms_per_run": round(push_redis_s * 1000 / written, 4),
        "mark_queued_pg_ms_per_run": round(mark_pg_s * 1000 / written, 4),
        "push_redis_round_trips_per_run": round(sum(counter.calls.values()) / written, 4),
    }
    print(f"tick cost per run: {result}")
    return result


def run_cost(s: Scratch, runs: int) -> dict:
    """A triggered run's whole life through an in-process worker (MAX_CONCURRENT_JOBS
    50): Redis round trips and time, PostgreSQL transactions and rows, per run."""
    registry, clock = builtin_registry(), SystemClock()
    settings = replace(s.settings, max_concurrent_jobs=50, retention_days=0)
    job = create_job(
        s.store,
        validate_job_create({"name": "scale-run", "handler": "test.echo"}, registry, settings),
        clock.now(),
    )
    before = settled_pg_counters(s)
    store = Store(s.database_url, max_size=4)
    in_pg = timed_transactions(store)
    queue = RedisQueue(s.client, s.prefix)
    counter = RedisCounter(s.client)
    worker = Worker(store, queue, settings, registry, clock, "scale-worker")
    handoff = Handoff(store, queue)
    t0 = time.perf_counter()
    with counter.counting():
        for i in range(0, runs, 500):
            batch = [{}] * min(500, runs - i)
            write = lambda b=batch: trigger_executions(store, job.id, clock.now(), b)  # noqa: E731
            handoff.submit(write, clock.now())
        while worker.stats.succeeded < runs and time.perf_counter() - t0 < 300:
            worker.run_once(clock.now())
            worker.flush(clock.now())
    elapsed = time.perf_counter() - t0
    store.close()
    after = settled_pg_counters(s)
    finished = scalar(s, "SELECT count(*) FROM executions WHERE status = 'SUCCEEDED'")
    lua = counter.calls["EVALSHA"] + counter.calls["EVAL"]
    result = {
        "runs": runs,
        "succeeded": finished,
        "runs_per_s_one_process": round(finished / elapsed, 1),
        "redis_round_trips_per_run": round(sum(counter.calls.values()) / runs, 3),
        "redis_lua_calls_per_run": round(lua / runs, 3),
        "redis_ms_per_run": round(counter.seconds * 1000 / runs, 4),
        "redis_calls": dict(counter.calls.most_common()),
        "pg_ms_per_run": round(in_pg[0] * 1000 / runs, 4),
        "pg_transactions_per_run": round((after["xact_commit"] - before["xact_commit"]) / runs, 3),
        "pg_rows_written_per_run": round(
            sum(after[k] - before[k] for k in ("tup_inserted", "tup_updated", "tup_deleted"))
            / runs,
            3,
        ),
    }
    print(f"run cost: {json.dumps({k: v for k, v in result.items() if k != 'redis_calls'})}")
    return result


# ------------------------------------------------------------------ main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stored", default="10000,100000", help="stored jobs, comma-separated")
    parser.add_argument("--due", type=int, default=10_000, help="jobs due at once")
    parser.add_argument("--instances", default="1,2,4", help="tick instances, comma-separated")
    parser.add_argument("--runs", type=int, default=2000, help="runs through a worker")
    args = parser.parse_args()
    scales = [int(n) for n in args.stored.split(",")]
    counts = [int(n) for n in args.instances.split(",")]
    results: dict[str, Any] = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "note": "shared machine: figures compare within this run only",
        "tick": [],
        "due_scan": [],
    }
    with scratch("scale") as s:
        for stored in scales:
            due = min(args.due, stored)
            load_jobs(s, stored, due)
            results["due_scan"].append(due_scan(s, stored, due))
            results["tick"].append(tick_throughput(s, stored, due, 1, 1))
            for count in counts:
                results["tick"].append(tick_throughput(s, stored, due, count, SHARDS))
        results["tick_cost"] = tick_cost(s, min(args.due, scales[-1]))
        results["run_cost"] = run_cost(s, args.runs)
    print(f"wrote {write_results('scale', results)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
