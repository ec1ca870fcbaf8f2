"""Benchmarks: prints figures and writes bench/results/latest.json.

    make bench            (or: .venv/bin/python -m bench.run [--jobs N] [--runs N])

Measures, against the real local Redis and PostgreSQL (own database and key
prefix, dropped afterwards):
- queue: enqueue, claim and ack throughput of the Lua scripts, batch of 50;
- due scan: one tick over 20,000 jobs of which 200 are due, and the plan it uses;
- end to end: N triggered runs through the outbox, 2 worker processes, to SUCCEEDED;
- the API Lambda's cold import (bench/cold_import.py; budget 300 ms).
Nothing here asserts a timing; the numbers are for people to compare.
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
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import cold_import  # noqa: E402
from bench.scratch import scratch, write_results  # noqa: E402
from jobsched.clock import SystemClock  # noqa: E402
from jobsched.domain.validation import validate_job_create  # noqa: E402
from jobsched.loader import builtin_registry  # noqa: E402
from jobsched.queue import RedisQueue  # noqa: E402
from jobsched.scheduler import Scheduler  # noqa: E402
from jobsched.settings import Settings  # noqa: E402
from jobsched.store import Store  # noqa: E402


def bench_queue(queue: RedisQueue, n: int) -> dict:
    now = datetime.now(UTC)
    ids = [f"bench-{i}" for i in range(n)]
    t0 = time.perf_counter()
    for i in range(0, n, 50):
        queue.enqueue([(eid, i % 101) for eid in ids[i : i + 50]], now)
    t1 = time.perf_counter()
    claims = []
    while True:
        batch = queue.claim(50, now, 60_000)
        if not batch:
            break
        claims.extend(batch)
    t2 = time.perf_counter()
    for i in range(0, len(claims), 50):
        queue.ack([(c.execution_id, c.token) for c in claims[i : i + 50]])
    t3 = time.perf_counter()
    return {
        "messages": n,
        "enqueue_per_s": round(n / (t1 - t0)),
        "claim_per_s": round(n / (t2 - t1)),
        "ack_per_s": round(n / (t3 - t2)),
    }


def bench_due_scan(store: Store, queue: RedisQueue, settings: Settings, jobs: int) -> dict:
    registry = builtin_registry()
    now = datetime.now(UTC)
    due = max(jobs // 100, 1)
    with store.tx() as conn:
        conn.execute("TRUNCATE jobs, executions, dead_letter CASCADE")
    base = validate_job_create(
        {"name": "x", "handler": "test.echo", "schedule": "0 0 1 1 *"}, registry, settings
    )
    rows = []
    for i in range(jobs):
        next_run = now - timedelta(seconds=1) if i < due else now + timedelta(days=30)
        rows.append((f"bench-job-{i}", next_run))
    with store.tx() as conn, conn.cursor() as cur:
        with cur.copy(
            "COPY jobs (id, name, handler, payload, schedule, timezone, priority, max_retries,"
            " timeout_ms, retry_backoff_ms, retry_backoff_max_ms, status, next_run_time,"
            " created_at, updated_at) FROM STDIN"
        ) as copy:
            import uuid

            for name, next_run in rows:
                copy.write_row(
                    (
                        uuid.uuid4(),
                        name,
                        base["handler"],
                        "{}",
                        base["schedule"],
                        "UTC",
                        50,
                        0,
                        60_000,
                        1000,
                        60_000,
                        "SCHEDULED",
                        next_run,
                        now,
                        now,
                    )
                )
        conn.execute("ANALYZE jobs")
        plan = conn.execute(
            "EXPLAIN SELECT * FROM jobs WHERE status = 'SCHEDULED' AND next_run_time IS NOT NULL"
            " AND next_run_time <= %(now)s ORDER BY next_run_time LIMIT 500"
            " FOR UPDATE SKIP LOCKED",
            {"now": now},
        ).fetchall()
    scheduler = Scheduler(store, queue, settings, SystemClock())
    t0 = time.perf_counter()
    report = scheduler.run_once(now)
    elapsed = time.perf_counter() - t0
    plan_text = " / ".join(r["QUERY PLAN"].strip() for r in plan)
    return {
        "jobs": jobs,
        "due": due,
        "executions_created": report.scheduled,
        "tick_ms": round(elapsed * 1000, 1),
        "uses_due_index": "jobs_due_idx" in plan_text,
        "plan": plan_text,
    }


def bench_end_to_end(store: Store, queue: RedisQueue, settings: Settings, runs: int) -> dict:
    registry = builtin_registry()
    clock = SystemClock()
    with store.tx() as conn:
        conn.execute("TRUNCATE jobs, executions, dead_letter CASCADE")
    data = validate_job_create({"name": "e2e", "handler": "test.echo"}, registry, settings)
    job = store.create_job(data, clock.now())
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url,
        "REDIS_KEY_PREFIX": settings.redis_key_prefix,
        "MAX_CONCURRENT_JOBS": "25",
        "PYTHONPATH": str(ROOT),
    }
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "jobsched", "worker"],
            env={**env, "WORKER_ID": f"bench-{i}"},
            stderr=subprocess.DEVNULL,
        )
        for i in range(2)
    ]
    scheduler = Scheduler(store, queue, settings, clock)
    try:
        t0 = time.perf_counter()
        for i in range(0, runs, 500):
            store.create_triggered(job.id, clock.now(), [{}] * min(500, runs - i))
        scheduler.flush_outbox(clock.now())
        t_pushed = time.perf_counter()
        done = 0
        while done < runs and time.perf_counter() - t0 < 300:
            with store.tx() as conn:
                done = conn.execute(
                    "SELECT count(*) AS n FROM executions WHERE status = 'SUCCEEDED'"
                ).fetchone()["n"]
            time.sleep(0.05)
        t1 = time.perf_counter()
        with store.tx() as conn:
            lat = conn.execute(
                "SELECT percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP"
                " (ORDER BY extract(epoch FROM finished_at - created_at)) AS p FROM executions"
                " WHERE status = 'SUCCEEDED'"
            ).fetchone()["p"]
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            p.wait(timeout=30)
    return {
        "runs": runs,
        "completed": done,
        "workers": 2,
        "concurrency_per_worker": 25,
        "write_and_push_per_s": round(runs / (t_pushed - t0)),
        "executions_per_s": round(done / (t1 - t0), 1),
        "latency_s_created_to_finished": {
            "p50": round(lat[0], 3),
            "p95": round(lat[1], 3),
            "p99": round(lat[2], 3),
        }
        if lat
        else None,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--jobs", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3_000)
    args = parser.parse_args()

    with scratch("bench") as s:
        results = {
            "when": datetime.now(UTC).isoformat(),
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
            "queue": bench_queue(s.queue, args.messages),
            "due_scan": bench_due_scan(s.store, s.queue, s.settings, args.jobs),
            "end_to_end": bench_end_to_end(s.store, s.queue, s.settings, args.runs),
            "api_cold_import": cold_import.measure()["api_lambda"],
        }
    print(json.dumps(results, indent=2))
    print(f"written to {write_results('latest', results)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
