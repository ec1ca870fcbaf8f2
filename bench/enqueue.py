"""Enqueue rate: runs/s through ``JobService.trigger_job`` (what ``POST
/jobs/{id}/trigger`` runs, minus HTTP), one run per call and in batches
(``{"runs": [...]}``), with no worker draining: each call writes the runs to PostgreSQL
and pushes them to Redis (the hand-off), as a producer's request does.

    .venv/bin/python -m bench.enqueue [--runs 5000]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.scratch import scratch, write_results  # noqa: E402
from jobsched.domain.validation import validate_job_create  # noqa: E402
from jobsched.loader import builtin_registry  # noqa: E402
from jobsched.service import JobService  # noqa: E402

BATCHES = (1, 10, 100, 500)


def measure(runs: int) -> dict[str, Any]:
    registry = builtin_registry()
    results: dict[str, Any] = {"runs_per_size": runs, "batches": []}
    with scratch("enqueue") as scr:
        service = JobService(scr.store, scr.queue, registry, scr.settings)
        data = validate_job_create({"name": "enq", "handler": "test.echo"}, registry, scr.settings)
        job = scr.store.create_job(data, datetime.now(UTC))
        service.trigger_job(job.id, {})  # warm: connections, prepared state
        for batch in BATCHES:
            n = runs if batch > 1 else max(runs // 10, 1)  # single calls: fewer, same rate
            started = time.perf_counter()
            for i in range(0, n, batch):
                size = min(batch, n - i)
                service.trigger_job(job.id, {"runs": [{}] * size} if batch > 1 else {})
            elapsed = time.perf_counter() - started
            results["batches"].append(
                {
                    "batch": batch,
                    "runs": n,
                    "runs_per_s": round(n / elapsed),
                    "ms_per_call": round(elapsed * 1000 / -(-n // batch), 2),
                }
            )
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5_000)
    args = parser.parse_args()
    results = measure(args.runs)
    print(json.dumps(results, indent=2))
    print(f"written to {write_results('enqueue', results)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
