"""Parking: how fast runs that can start get through when runs that cannot fill the
front of the queue.

    .venv/bin/python -m bench.parking [--blocked 500] [--runs 50]

Two worker processes (``MAX_CONCURRENT_JOBS`` 5 each, the default), no tick (the
trigger pushes its runs itself). First ``--runs`` runs of a ``test.echo`` job on an
empty queue (the baseline); then, ahead of ``--runs`` more, ``--blocked`` runs at
priority 100 of a job with ``max_concurrency: 1`` and ``--blocked`` runs at priority
100 of a handler no worker serves. Reported: seconds from the trigger until all
``--runs`` runs SUCCEEDED, for both, and what the claims parked. Before parking the
second figure was "never" (a claim looked only at the front of ready).

Own database and Redis key prefix, removed afterwards. Writes bench/results/parking.json.
Nothing asserts a timing: the figures are for people.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.procs import jobsched_processes  # noqa: E402
from bench.scratch import Scratch, scratch, write_results  # noqa: E402
from jobsched.loader import builtin_registry  # noqa: E402
from jobsched.service import JobService  # noqa: E402

WORKERS = 2
SLOTS = 5
UNSERVED = "bench.unserved"
"""Known to the API (the bench's registry), loaded by no worker."""
GIVE_UP_S = 120.0


def _service(scr: Scratch) -> JobService:
    registry = builtin_registry()
    registry.register(UNSERVED)(lambda payload, ctx: None)
    return JobService(scr.store, scr.queue, registry, scr.settings)


def _trigger(service: JobService, job_id: str, n: int) -> list[str]:
    ids: list[str] = []
    for i in range(0, n, 500):
        body = {"runs": [{} for _ in range(min(500, n - i))]}
        ids += [r["id"] for r in service.trigger_job(job_id, body)["items"]]
    return ids


def _finish_s(scr: Scratch, service: JobService, job_id: str, n: int) -> float | None:
    """Seconds from triggering ``n`` runs of the job until all have SUCCEEDED."""
    started = time.monotonic()
    ids = _trigger(service, job_id, n)
    while time.monotonic() - started < GIVE_UP_S:
        with scr.store.tx() as conn:
            done = conn.execute(
                "SELECT count(*) AS n FROM executions WHERE id = ANY(%s::uuid[])"
                " AND status = 'SUCCEEDED'",
                (ids,),
            ).fetchone()["n"]
        if done == n:
            return round(time.monotonic() - started, 2)
        time.sleep(0.02)
    return None


def measure(blocked: int, runs: int) -> dict:
    with scratch("park") as scr, jobsched_processes(scr, WORKERS, tick=False, slots=SLOTS):
        service = _service(scr)
        deadline = time.monotonic() + 60
        while len(scr.queue.workers(datetime.now(UTC), 15_000, 3_600_000)) < WORKERS:
            if time.monotonic() > deadline:
                raise RuntimeError("the workers did not start")
            time.sleep(0.1)
        other = service.create_job({"name": "other", "handler": "test.echo"})["id"]
        baseline = _finish_s(scr, service, other, runs)
        capped = service.create_job(
            {"name": "capped", "handler": "test.echo", "priority": 100, "max_concurrency": 1}
        )["id"]
        unserved = service.create_job({"name": "unserved", "handler": UNSERVED, "priority": 100})
        _trigger(service, capped, blocked)
        _trigger(service, unserved["id"], blocked)
        behind = _finish_s(scr, service, other, runs)
        parked = scr.client.hlen(scr.queue.keys.parked)
        return {
            "baseline_s": baseline,
            "behind_blocked_s": behind,
            "parked_at_the_end": parked,
            "waiting_at_the_end": scr.queue.depth()["ready"],
        }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--blocked", type=int, default=500, help="runs of each blocker")
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    results = {
        "when": datetime.now(UTC).isoformat(),
        "machine": {"cpus": os.cpu_count()},
        "workload": {
            "workers": WORKERS,
            "slots_per_worker": SLOTS,
            "capped_runs": args.blocked,
            "unserved_runs": args.blocked,
            "runs": args.runs,
        },
        "job_scheduler": measure(args.blocked, args.runs),
    }
    print(json.dumps(results, indent=2))
    print(f"written to {write_results('parking', results)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
