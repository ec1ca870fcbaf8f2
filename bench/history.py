"""Cost as history grows: the reads and the tick over 100k, 1M and 10M stored executions.

    .venv/bin/python -m bench.history [--sizes 100000,1000000,10000000] [--repeat 7]

In a throwaway database (dropped afterwards) and Redis key prefix, the executions table
grows in steps to each size: history spread over the 30 days before the bench's
``now`` (one daily partition each, as RETENTION_DAYS=30 keeps), plus a constant last
hour of 3,600 finished runs, so only the history grows between sizes. Rows are written
with ``INSERT ... SELECT generate_series`` with triggers off, then the counters are
rebuilt from them once per size (setup, not measured).

At each size it times (median of ``--repeat`` calls, after one warm-up) the service
methods behind the routes, the same code the API Lambda runs minus HTTP:
``GET /executions`` (first page, and a deep page from a cursor half-way down the
history), ``GET /jobs/{id}/executions`` (first and deep), ``GET /executions/{id}``,
``GET /metrics``, ``GET /metrics/executions`` and one tick (``run_once``) with 100 of
1,100 jobs due. For comparison it also times, once, what the old code ran per request:
``count(*)`` over executions and the OFFSET of the deep page.

Prints a table and writes bench/results/history.json. Nothing asserts a timing.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.scratch import scratch, write_results  # noqa: E402
from jobsched.api import cursors  # noqa: E402
from jobsched.clock import FakeClock  # noqa: E402
from jobsched.loader import builtin_registry  # noqa: E402
from jobsched.scheduler import Scheduler  # noqa: E402
from jobsched.service import JobService  # noqa: E402

HISTORY_DAYS = 30
RECENT_RUNS = 3_600
HISTORY_JOBS = 200
TICK_JOBS, TICK_DUE = 1_000, 100
CHUNK = 1_000_000

# One statement per chunk: rows spread over the history (older than the last hour).
# Triggers are off (session_replication_role), so the counters are rebuilt afterwards.
INSERT_HISTORY = """
INSERT INTO executions (id, job_id, source, status, scheduled_for, priority, handler,
    max_retries, timeout_ms, retry_backoff_ms, retry_backoff_max_ms, attempt, worker_id,
    queued_at, started_at, finished_at, error, created_at, updated_at)
SELECT gen_random_uuid(), jobs[1 + (i %% array_length(jobs, 1))], 'trigger',
       CASE WHEN i %% 50 = 0 THEN 'FAILED' WHEN i %% 97 = 0 THEN 'CANCELLED'
            ELSE 'SUCCEEDED' END,
       at, 50, 'test.echo', 0, 60000, 1000, 60000, 1, 'bench-worker',
       at, at, at + random() * interval '500 ms',
       CASE WHEN i %% 50 = 0 THEN 'failed' END, at, at
FROM (SELECT i, %(oldest)s + random() * (%(newest)s - %(oldest)s) AS at,
             %(jobs)s::uuid[] AS jobs
      FROM generate_series(1, %(n)s) AS i) s
"""

REBUILD_COUNTERS = """
TRUNCATE execution_count_deltas, execution_counts, execution_status_counts;
INSERT INTO execution_counts (job_id, status, handler, n)
SELECT job_id, status, handler, count(*) FROM executions GROUP BY 1, 2, 3;
INSERT INTO execution_status_counts (status, n)
SELECT status, sum(n) FROM execution_counts GROUP BY status;
"""


def timed(fn: Callable[[], Any], repeat: int) -> float:
    """Median milliseconds of ``repeat`` calls after one warm-up call."""
    fn()
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return round(statistics.median(samples), 2)


def once(conn: psycopg.Connection, query: str, params: dict[str, Any]) -> float:
    t0 = time.perf_counter()
    conn.execute(query, params).fetchall()
    return round((time.perf_counter() - t0) * 1000, 1)


def make_jobs(conn: psycopg.Connection, now: datetime) -> tuple[list[uuid.UUID], list[str]]:
    """History jobs (never due) and the tick's jobs; returns their ids and tick names.
    Yearly schedules: a tick job made due one second ago has exactly one occurrence due."""
    ids, tick = [], []
    far = now + timedelta(days=365)
    with conn.cursor() as cur:
        for i in range(HISTORY_JOBS + TICK_JOBS):
            jid = uuid.uuid4()
            name = f"history-{i}" if i < HISTORY_JOBS else f"tick-{i}"
            cur.execute(
                "INSERT INTO jobs (id, name, handler, payload, schedule, timezone, priority,"
                " max_retries, timeout_ms, retry_backoff_ms, retry_backoff_max_ms, status,"
                " next_run_time, created_at, updated_at) VALUES (%s, %s, 'test.echo', '{}',"
                " '0 0 1 1 *', 'UTC', 50, 0, 60000, 1000, 60000, 'SCHEDULED', %s, %s, %s)",
                (jid, name, far, now, now),
            )
            (ids if i < HISTORY_JOBS else tick).append(jid if i < HISTORY_JOBS else name)
    return ids, tick


def grow(conn: psycopg.Connection, jobs: list[uuid.UUID], now: datetime, rows: int) -> float:
    """Adds ``rows`` executions of history; returns the seconds it took."""
    t0 = time.perf_counter()
    oldest, newest = now - timedelta(days=HISTORY_DAYS - 1), now - timedelta(hours=1)
    left = rows
    while left > 0:
        n = min(CHUNK, left)
        params = {"n": n, "jobs": jobs, "oldest": oldest, "newest": newest}
        conn.execute(INSERT_HISTORY, params)
        left -= n
        print(f"  … {rows - left:,} of {rows:,} rows written", flush=True)
    return time.perf_counter() - t0


def add_recent(conn: psycopg.Connection, jobs: list[uuid.UUID], now: datetime) -> None:
    """The constant last hour: RECENT_RUNS finished runs, for /metrics to look at."""
    params = {"n": RECENT_RUNS, "jobs": jobs, "oldest": now - timedelta(minutes=59)}
    params["newest"] = now - timedelta(seconds=1)
    conn.execute(INSERT_HISTORY, params)


def measure(
    service: JobService,
    scheduler: Scheduler,
    conn: psycopg.Connection,
    tick_jobs: list[str],
    target_job: uuid.UUID,
    now: datetime,
    tick_from: datetime,
    repeat: int,
) -> dict[str, Any]:
    total = service.list_executions({})["total"]
    job_total = service.list_executions({}, job_id=str(target_job))["total"]

    def cursor_at(offset: int, job: uuid.UUID | None) -> str:
        row = conn.execute(
            "SELECT created_at, id FROM executions"
            " WHERE %(job)s::uuid IS NULL OR job_id = %(job)s"
            " ORDER BY created_at DESC, id DESC OFFSET %(offset)s LIMIT 1",
            {"job": job, "offset": offset},
        ).fetchone()
        return cursors.encode("executions", [row[0], row[1]])

    deep = cursor_at(total // 2, None)
    job_deep = cursor_at(job_total // 2, target_job)
    some_id = service.list_executions({"cursor": deep, "limit": "1"})["items"][0]["id"]

    tick_clock = [tick_from]  # each size ticks at new times: new occurrences

    def tick() -> None:
        # 100 jobs fall due; each tick writes and pushes their runs, then marks them done.
        conn.execute(
            "UPDATE jobs SET next_run_time = %s WHERE name = ANY(%s)",
            (tick_clock[0] - timedelta(seconds=1), tick_jobs[:TICK_DUE]),
        )
        t0 = time.perf_counter()
        report = scheduler.run_once(tick_clock[0])
        elapsed = time.perf_counter() - t0
        assert report.scheduled == TICK_DUE, report
        conn.execute(
            "UPDATE executions SET status = 'SUCCEEDED', finished_at = %s"
            " WHERE status IN ('PENDING', 'QUEUED') AND scheduled_for >= %s",
            (tick_clock[0], now - timedelta(minutes=5)),
        )
        tick_clock[0] += timedelta(seconds=1)
        tick_times.append(elapsed * 1000)

    tick_times: list[float] = []
    tick()  # warm-up (the first pass as leader also rebuilds the queue)
    tick_times.clear()
    for _ in range(repeat):
        tick()

    figures = {
        "executions_first_page_ms": timed(lambda: service.list_executions({}), repeat),
        "executions_deep_page_ms": timed(lambda: service.list_executions({"cursor": deep}), repeat),
        "job_executions_first_page_ms": timed(
            lambda: service.list_executions({}, job_id=str(target_job)), repeat
        ),
        "job_executions_deep_page_ms": timed(
            lambda: service.list_executions({"cursor": job_deep}, job_id=str(target_job)),
            repeat,
        ),
        "execution_by_id_ms": timed(lambda: service.get_execution(some_id), repeat),
        "metrics_ms": timed(service.metrics, repeat),
        "metrics_executions_ms": timed(lambda: service.execution_metrics({}), repeat),
        "tick_ms": round(statistics.median(tick_times), 2),
    }
    offset_query = (
        "SELECT id FROM executions ORDER BY created_at DESC, id DESC OFFSET %(offset)s LIMIT 50"
    )
    before = {
        "count_all_ms": once(conn, "SELECT count(*) FROM executions", {}),
        "offset_deep_page_ms": once(conn, offset_query, {"offset": total // 2}),
    }
    return {
        "executions": total,
        "target_job_executions": job_total,
        **figures,
        "old_way_once": before,
    }


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    pg = subprocess.run(["psql", "--version"], capture_output=True, text=True).stdout.strip()
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "memory_gib": round(mem, 1),
        "python": platform.python_version(),
        "postgres_client": pg,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="100000,1000000,10000000")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))

    now = datetime.now(UTC).replace(microsecond=0)
    results: dict[str, Any] = {"when": now.isoformat(), "machine": machine(), "sizes": []}
    with scratch("bench_hist") as scr:
        url, store, queue, settings = scr.database_url, scr.store, scr.queue, scr.settings
        clock = FakeClock(now)
        service = JobService(store, queue, builtin_registry(), settings, clock)
        scheduler = Scheduler(store, queue, settings, clock)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("SET synchronous_commit = off")
            conn.execute("SET session_replication_role = replica")  # no triggers: bulk load
            conn.execute(
                "SELECT ensure_execution_partitions(%s, %s)",
                (now - timedelta(days=HISTORY_DAYS), HISTORY_DAYS + 8),
            )
            jobs, tick_jobs = make_jobs(conn, now)
            add_recent(conn, jobs, now)
            stored = 0
            for size in sizes:
                print(f"growing to {size:,} executions", flush=True)
                seconds = grow(conn, jobs, now, size - stored)
                stored = size
                conn.execute(REBUILD_COUNTERS)
                conn.execute("VACUUM ANALYZE executions")
                conn.execute("SET session_replication_role = origin")
                print(f"measuring at {size:,}", flush=True)
                tick_from = now + timedelta(minutes=len(results["sizes"]))
                figures = measure(
                    service, scheduler, conn, tick_jobs, jobs[0], now, tick_from, args.repeat
                )
                conn.execute("SET session_replication_role = replica")
                figures["generate_s"] = round(seconds, 1)
                results["sizes"].append(figures)
                print(json.dumps(figures, indent=2), flush=True)
                write_results("history", results)  # each size kept if a later one fails
            size_row = conn.execute("SELECT pg_database_size(current_database())").fetchone()
            results["database_gib"] = round(size_row[0] / 2**30, 2)
    out = write_results("history", results)
    print_table(results)
    print(f"written to {out}")
    return 0


def print_table(results: dict[str, Any]) -> None:
    rows = results["sizes"]
    keys = [k for k in rows[0] if k.endswith("_ms")]
    print(f"{'median ms':32}" + "".join(f"{r['executions']:>14,}" for r in rows))
    for key in keys:
        print(f"{key:32}" + "".join(f"{r[key]:>14}" for r in rows))
    for key in rows[0]["old_way_once"]:
        print(f"{'old: ' + key:32}" + "".join(f"{r['old_way_once'][key]:>14}" for r in rows))


if __name__ == "__main__":
    raise SystemExit(main())
