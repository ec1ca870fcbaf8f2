"""``make bench``: every benchmark in one go, results in bench/results/*.json, figures in
docs/performance.md (bench/report.py).

    make bench      (or: .venv/bin/python -m bench.run [--quick] [--only NAME,...])

In order (names for ``--only``), each on its own scratch database and key prefix:
- ``queue``: the Lua scripts' enqueue, claim and ack rates, batch of 50 (queue.json);
- ``drain``: the fair comparison (bench/drain.py): for us, Celery, RQ, huey, dramatiq and
  procrastinate, at 2 worker processes x 8 slots and x our default slots, the queue
  filled first (batched, then single calls: enqueue rates) and the drain timed alone;
  every run verified, incomplete runs kept out of ratios (drain.json);
- ``floor``: the single-trigger floor, a bare INSERT with its own commit and
  INSERT-then-ZADD, against our single trigger, same servers (bench/floor.py);
- ``lag``: start lag inside the handler body, our delayed runs against Celery's ETA tasks
  (bench/start_lag.py);
- ``profile``: 5,000 runs here alone, one worker sampled by py-spy (profile.json);
- ``enqueue``: what a trigger costs: PostgreSQL transactions and Redis round trips per
  trigger, one run per call and in batches of 500 (bench/enqueue.py);
- ``tick``: tick cost with 10k, 100k and 1M jobs stored, 1,000 due (bench/tick_cost.py);
- ``api``: API requests/s and p50/p99 through the local gateway with 1, 8 and 32
  clients (bench/api_load.py; starts the local stack);
- ``cold``: Lambda cold start of each function (bench/cold_start.py);
- ``local_api``: the local API's own figures, when bench/local_api.py exists: its
  ``measure(quick=..., repeat=...)`` returns a dict, written to local_api.json and
  rendered by bench/report.py (``local_api_section``).
- ``flow``: fair dispatch under a flood (bench/flow_fairness.py): 4 workers, one key
  queuing 10,000 runs while 10 keys send 20 each; their p99 start lag with and without
  the flood, and per-key concurrency checked from recorded start and finish times
  (flow_fairness.json).
``drain``, ``floor`` and ``lag`` run ``--repeat`` times (default 3) and record the spread.
A benchmark that fails is reported and the others still run; the exit status is then 1.
``--quick`` (or ``BENCH_QUICK=1``) runs everything at toy sizes, once, to check the
harness (not for figures: no results file is written, the docs are left alone). Nothing
here asserts a timing; the numbers are for people.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import signal
import sys
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import (  # noqa: E402
    api_load,
    cold_start,
    drain,
    enqueue,
    floor,
    flow_fairness,
    report,
    start_lag,
    throughput,
    tick_cost,
)
from bench.machine import describe  # noqa: E402
from bench.scratch import scratch, write_results  # noqa: E402
from jobsched.queue import RedisQueue  # noqa: E402

try:  # bench/local_api.py comes from another branch; the benchmark runs without it
    local_api: Any = importlib.import_module("bench.local_api")
except ModuleNotFoundError as exc:
    if exc.name != "bench.local_api":
        raise  # the module is there but broken: say so rather than skip it
    local_api = None

FULL = {
    "runs": 5_000, "drain_singles": 500, "floor_calls": 2_000, "lag_runs": 2_000,
    "lag_spread_s": 20.0, "profile_runs": 5_000, "sizes": [10_000, 100_000, 1_000_000],
    "enqueue": 20_000, "singles": 2_000, "messages": 10_000, "clients": [1, 8, 32],
    "seconds": 8.0, "cold_runs": 5, "repeat": 3, "quick": False,
    "flood": 10_000, "flow_keys": 10, "flow_per_key": 20,
}  # fmt: skip
"""Sized for ~15-20 minutes on the 2-core machine: the drain (~10 of them) is bounded by
the slowest peers, procrastinate (one job fetched per query: ~100-200 runs/s on the
shared machine) and RQ (~300/s), which drain the same 5,500 runs 6 times each."""
QUICK = {
    "runs": 200, "drain_singles": 20, "floor_calls": 50, "lag_runs": 50, "lag_spread_s": 2.0,
    "profile_runs": 100, "sizes": [1_000, 5_000], "enqueue": 200, "singles": 20,
    "messages": 500, "clients": [1, 4], "seconds": 1.0, "cold_runs": 1, "repeat": 1,
    "quick": True, "flood": 300, "flow_keys": 3, "flow_per_key": 5,
}  # fmt: skip


def bench_queue(queue: RedisQueue, n: int) -> dict[str, Any]:
    now = datetime.now(UTC)
    ids = [f"bench-{i}" for i in range(n)]
    t0 = time.perf_counter()
    for i in range(0, n, 50):
        queue.enqueue([(eid, i % 101) for eid in ids[i : i + 50]], now)
    t1 = time.perf_counter()
    claims = []
    while batch := queue.claim(50, now, 60_000):
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


def _queue(size: dict[str, Any]) -> dict[str, Any]:
    with scratch("queue") as s:
        return bench_queue(s.queue, size["messages"])


def _enqueue(size: dict[str, Any]) -> dict[str, Any]:
    # A private Redis: the enqueue's INFO commandstats figures are exact only there.
    with throughput.private_redis() as redis_url, scratch("enqueue", redis_url) as s:
        return enqueue.measure(s, size["enqueue"], 500, size["singles"])


BENCHMARKS: dict[str, tuple[str, Callable[[dict[str, Any]], dict[str, Any]]]] = {
    "queue": ("queue", _queue),
    "drain": ("drain", lambda z: drain.measure(z["runs"], z["drain_singles"], z["repeat"])),
    "floor": ("floor", lambda z: floor.measure(z["floor_calls"], z["repeat"])),
    "lag": (
        "start_lag",
        lambda z: start_lag.measure(z["lag_runs"], z["lag_spread_s"], z["repeat"]),
    ),
    "profile": ("profile", lambda z: throughput.profile(z["profile_runs"])),
    "enqueue": ("enqueue", lambda z: _enqueue(z)),
    "tick": ("tick_cost", lambda z: tick_cost.measure(z["sizes"], 1_000, 3)),
    "api": ("api_load", lambda z: api_load.measure(z["clients"], z["seconds"])),
    "cold": ("cold_start", lambda z: cold_start.measure(z["cold_runs"])),
    "flow": (
        "flow_fairness",
        lambda z: flow_fairness.measure(z["flood"], z["flow_keys"], z["flow_per_key"]),
    ),
}
if local_api is not None:
    # The local API section (bench/local_api.py, from its own branch): its figures go to
    # local_api.json and bench/report.py renders them.
    BENCHMARKS["local_api"] = (
        "local_api",
        lambda z: local_api.measure(quick=z["quick"], repeat=z["repeat"]),
    )


def _stop_on_sigterm() -> None:
    # So that a killed run still stops what it started (scratch databases, the private
    # redis-server, workers) through the ``finally`` blocks, as Ctrl-C does.
    def stop(signum: int, frame: object) -> None:
        raise SystemExit(143)

    signal.signal(signal.SIGTERM, stop)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        default=os.environ.get("BENCH_QUICK", "") not in ("", "0"),
        help="toy sizes, once: checks the harness (also BENCH_QUICK=1)",
    )
    parser.add_argument(
        "--repeat", type=int, default=None, help="runs of drain, floor and lag (default 3)"
    )
    parser.add_argument("--only", default=",".join(BENCHMARKS), help="comma-separated names")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    _stop_on_sigterm()
    size = dict(QUICK if args.quick else FULL)
    if args.repeat is not None:
        size["repeat"] = max(1, args.repeat)
    names = [n for n in args.only.split(",") if n]
    unknown = set(names) - set(BENCHMARKS)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")

    with scratch("machine") as s:
        machine = describe(s.admin_url, s.client)
    summary: dict[str, Any] = {
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "quick": args.quick,
        "repeat": size["repeat"],
        "machine": machine,
        "seconds": {},
        "failed": [],
    }
    started = time.monotonic()
    for name in names:
        file, fn = BENCHMARKS[name]
        print(f"--- {name}", flush=True)
        t0 = time.monotonic()
        try:
            result = fn(size)
        except Exception:
            traceback.print_exc()
            summary["failed"].append(name)
            continue
        finally:
            summary["seconds"][name] = round(time.monotonic() - t0, 1)
        if not args.quick:
            print(f"written to {write_results(file, result)}")
        print(json.dumps(result, indent=2), flush=True)
    summary["seconds"]["total"] = round(time.monotonic() - started, 1)
    if not args.quick:
        write_results("bench", summary)
        report.main()
    print(json.dumps(summary, indent=2))
    return 1 if summary["failed"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
