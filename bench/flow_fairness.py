"""Fair dispatch under a flood: one key's backlog must not delay the other keys' runs.

    .venv/bin/python -m bench.flow_fairness [--flood 10000] [--keys 10] [--per-key 20] [--quick]

The workload: 4 worker processes (``SLOTS`` each) serve one job of ``bench.work``
(bench/flow_handler.py: sleeps ``WORK_MS``) under ``concurrency {"key": {"$ref":
"payload.k"}, "limit": LIMIT}``. Without the flood, ``--keys`` keys send ``--per-key``
runs each at once; with it, one key first queues ``--flood`` runs at the same priority,
then the same keys send theirs. Reported for each: the p50/p99/max start lag of the
small keys' runs (their handler's first clock reading minus the run's creation), and
the most runs of any key seen running at once (from the recorded start and finish
times: never above ``LIMIT``). A pass is incomplete (bench/fair.py) when a small key's
run did not finish in time. Writes bench/results/flow_fairness.json (not with --quick).
Nothing asserts a timing: the figures are for people.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.procs import jobsched_processes  # noqa: E402
from bench.scratch import Scratch, scratch, write_results  # noqa: E402

WORKERS = 4
SLOTS = 8
LIMIT = 4
WORK_MS = 20
BATCH = 500
HANDLER_MODULE = "bench.flow_handler"


def max_overlap(spans: list[tuple[float, float]]) -> int:
    """The most intervals open at once (an end at the instant of a start closes first)."""
    events = sorted([(s, 1) for s, _ in spans] + [(e, -1) for _, e in spans])
    most = now = 0
    for _, step in events:
        now += step
        most = max(most, now)
    return most


def percentile(values: list[float], p: float) -> float | None:
    ordered = sorted(values)
    if not ordered:
        return None
    return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))], 1)


def _trigger(service: Any, job_id: str, key: str, n: int) -> None:
    for i in range(0, n, BATCH):
        runs = [{"payload": {"k": key, "ms": WORK_MS}} for _ in range(min(BATCH, n - i))]
        service.trigger_job(job_id, {"runs": runs} if len(runs) > 1 else runs[0])


def one_pass(flood: int, keys: int, per_key: int, timeout_s: float) -> dict[str, Any]:
    with scratch("flow") as scr:
        service, job_id = _job(scr)
        env = {"HANDLER_MODULES": HANDLER_MODULE}
        with jobsched_processes(scr, WORKERS, tick=True, slots=SLOTS, env=env):
            # Workers up and claiming first: the lag measured is the queue's, not start-up.
            _trigger(service, job_id, "warmup", WORKERS * 2)
            _wait(scr, job_id, WORKERS * 2, timeout_s, "warmup")
            if flood:
                _trigger(service, job_id, "flood", flood)
            small = [f"key-{i}" for i in range(keys)]
            for key in small:
                _trigger(service, job_id, key, per_key)
            done = _wait(scr, job_id, keys * per_key, timeout_s, "key-%")
        rows = _rows(scr, job_id)
    lags = [r["lag_ms"] for r in rows if r["k"].startswith("key-") and r["lag_ms"] is not None]
    spans: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for r in rows:
        if r["start"] is not None and r["end"] is not None:
            spans[r["k"]].append((r["start"], r["end"]))
    return {
        "complete": done,
        "small_runs_finished": len(lags),
        "flood_runs_finished": sum(1 for r in rows if r["k"] == "flood" and r["start"]),
        "lag_p50_ms": percentile(lags, 0.5),
        "lag_p99_ms": percentile(lags, 0.99),
        "lag_max_ms": round(max(lags), 1) if lags else None,
        "max_running_per_key": max((max_overlap(s) for s in spans.values()), default=0),
        "limit": LIMIT,
    }


def _job(scr: Scratch) -> tuple[Any, str]:
    """A service on the scratch database and the job, its runs keyed by ``payload.k``."""
    from datetime import UTC, datetime

    from jobsched.domain.validation import validate_job_create
    from jobsched.job_life import create_job
    from jobsched.loader import load_handlers
    from jobsched.service import JobService

    registry = load_handlers([HANDLER_MODULE], builtins=True, plugins=False)
    service = JobService(scr.store, scr.queue, registry, scr.settings)
    body = {
        "name": "flow-fairness",
        "handler": "bench.work",
        "concurrency": {"key": {"$ref": "payload.k"}, "limit": LIMIT},
    }
    data = validate_job_create(body, registry, scr.settings)
    job = create_job(scr.store, data, datetime.now(UTC))
    service.get_job(job.id)
    return service, job.id


def _wait(scr: Scratch, job_id: str, small: int, timeout_s: float, keys: str) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with scr.store.tx() as conn:
            n = conn.execute(
                "SELECT count(*) AS n FROM executions WHERE job_id = %s AND status = 'SUCCEEDED'"
                " AND concurrency_key LIKE %s",
                (job_id, keys),
            ).fetchone()["n"]
        if n >= small:
            return True
        time.sleep(0.2)
    return False


def _rows(scr: Scratch, job_id: str) -> list[dict[str, Any]]:
    with scr.store.tx() as conn:
        return conn.execute(
            "SELECT concurrency_key AS k, (result->>'startedAt')::float8 AS start,"
            " (result->>'finishedAt')::float8 AS end,"
            " ((result->>'startedAt')::float8 - extract(epoch FROM created_at)) * 1000"
            "   AS lag_ms"
            " FROM executions WHERE job_id = %s AND status = 'SUCCEEDED'",
            (job_id,),
        ).fetchall()


def measure(flood: int, keys: int, per_key: int) -> dict[str, Any]:
    timeout_s = 60.0 + keys * per_key * 0.05
    without = one_pass(0, keys, per_key, timeout_s)
    with_flood = one_pass(flood, keys, per_key, timeout_s)
    base, flooded = without["lag_p99_ms"], with_flood["lag_p99_ms"]
    return {
        "workers": WORKERS,
        "slots": SLOTS,
        "work_ms": WORK_MS,
        "flood": flood,
        "keys": keys,
        "per_key": per_key,
        "without_flood": without,
        "with_flood": with_flood,
        "p99_ratio": round(flooded / base, 2) if base and flooded else None,
        "limit_held": max(without["max_running_per_key"], with_flood["max_running_per_key"])
        <= LIMIT,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--flood", type=int, default=10_000)
    parser.add_argument("--keys", type=int, default=10)
    parser.add_argument("--per-key", type=int, default=20)
    parser.add_argument("--quick", action="store_true", help="toy sizes: checks the harness")
    args = parser.parse_args()
    if args.quick:
        args.flood, args.keys, args.per_key = 300, 3, 5
    result = measure(args.flood, args.keys, args.per_key)
    if not args.quick:
        print(f"written to {write_results('flow_fairness', result)}")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
