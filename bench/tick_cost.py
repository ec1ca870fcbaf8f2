"""Tick cost as jobs pile up: 10k, 100k and 1M stored jobs, of which a fixed number
(1,000) are due at each measurement.

    .venv/bin/python -m bench.tick_cost [--sizes 10000,100000,1000000] [--due 1000]

The jobs are yearly (``0 0 1 1 *``) ``test.echo`` jobs added with one ``INSERT ...
SELECT generate_series`` per size step (the table grows, it is not rebuilt). For each
size, ``--repeats`` times: make ``--due`` of them due one second ago, then run
``Scheduler.run_once`` until a pass schedules nothing more (one pass takes up to 500 due
jobs, so 1,000 due need two). Reported per size: median ms per pass that scheduled work,
passes, and what the due scan alone reads: ``EXPLAIN (ANALYZE, BUFFERS)`` of its query
(rows the plan read, shared buffers hit + read), with the index it uses.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.scratch import Scratch, scratch, write_results  # noqa: E402
from jobsched.clock import SystemClock  # noqa: E402
from jobsched.scheduler import Scheduler  # noqa: E402
from jobsched.store.queries import q  # noqa: E402

ADD_JOBS = """
INSERT INTO jobs (id, name, handler, payload, schedule, timezone, priority, max_retries,
                  timeout_ms, retry_backoff_ms, retry_backoff_max_ms, status, next_run_time,
                  created_at, updated_at)
SELECT gen_random_uuid(), 'tick-job-' || i, 'test.echo', '{}', '0 0 1 1 *', 'UTC', 50, 0,
       60000, 1000, 60000, 'SCHEDULED', %(later)s, %(now)s, %(now)s
FROM generate_series(%(first)s::int, %(last)s::int) AS i
"""
MAKE_DUE = """
UPDATE jobs SET next_run_time = %(due)s
WHERE name IN (SELECT 'tick-job-' || i FROM generate_series(1, %(due_count)s::int) AS i)
"""


def _plan_figures(plan: dict[str, Any]) -> dict[str, Any]:
    """Rows read and buffers of an EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) plan tree."""
    rows, indexes = 0, set()
    stack = [plan["Plan"]]
    while stack:
        node = stack.pop()
        if "Scan" in node.get("Node Type", ""):
            rows += int(node.get("Actual Rows", 0)) * int(node.get("Actual Loops", 1))
            if node.get("Index Name"):
                indexes.add(node["Index Name"])
        stack.extend(node.get("Plans", []))
    top = plan["Plan"]
    return {
        "rows_read": rows,
        "buffers": int(top.get("Shared Hit Blocks", 0)) + int(top.get("Shared Read Blocks", 0)),
        "indexes": sorted(indexes),
        "scan_ms": round(float(plan.get("Execution Time", 0.0)), 2),
    }


def _explain_due_scan(scr: Scratch, now: datetime) -> dict[str, Any]:
    with scr.store.pool.connection() as conn, conn.transaction(force_rollback=True):
        plan = conn.execute(
            "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + q("due_jobs"),
            {"now": now, "limit": 500},
        ).fetchone()
    return _plan_figures(next(iter(plan.values()))[0])


def measure(sizes: list[int], due: int, repeats: int) -> dict[str, Any]:
    results: dict[str, Any] = {"due": due, "sizes": []}
    with scratch("tick") as scr:
        scheduler = Scheduler(scr.store, scr.queue, scr.settings, SystemClock())
        scheduler.run_once()  # the first pass's one-off work: built-in jobs, queue rebuild
        stored = 0
        for size in sorted(sizes):
            now = datetime.now(UTC)
            t0 = time.perf_counter()
            with scr.store.tx() as conn:
                conn.execute(
                    ADD_JOBS,
                    {"first": stored + 1, "last": size, "now": now,
                     "later": now + timedelta(days=300)},
                )  # fmt: skip
            with scr.store.pool.connection() as conn:  # autocommit, as every pooled one
                conn.execute("VACUUM ANALYZE jobs")
            generated_s = time.perf_counter() - t0
            stored = size
            passes_ms: list[float] = []
            passes = 0
            explain: dict[str, Any] = {}
            for _ in range(repeats):
                now = datetime.now(UTC)
                with scr.store.tx() as conn:
                    conn.execute(MAKE_DUE, {"due": now - timedelta(seconds=1), "due_count": due})
                explain = _explain_due_scan(scr, now)
                passes = 0
                while True:
                    started = time.perf_counter()
                    report = scheduler.run_once(datetime.now(UTC))
                    elapsed = (time.perf_counter() - started) * 1000
                    if not report.scheduled:
                        break
                    passes += 1
                    passes_ms.append(elapsed)
            results["sizes"].append(
                {
                    "jobs": size,
                    "generated_s": round(generated_s, 1),
                    "passes_per_due_batch": passes,
                    "ms_per_pass_median": round(statistics.median(passes_ms), 1)
                    if passes_ms
                    else None,
                    "due_scan": explain,
                }
            )
            print(json.dumps(results["sizes"][-1]), flush=True)
        scheduler.resign()
    first, last = results["sizes"][0], results["sizes"][-1]
    if first["ms_per_pass_median"] and last["ms_per_pass_median"]:
        results["largest_over_smallest"] = round(
            last["ms_per_pass_median"] / first["ms_per_pass_median"], 2
        )
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--due", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    results = measure(sizes, args.due, args.repeats)
    print(json.dumps(results, indent=2))
    print(f"written to {write_results('tick_cost', results)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
