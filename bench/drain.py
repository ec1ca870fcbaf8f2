"""Drain alone, at realistic slots: the queue filled first, then timed while workers empty it.

    .venv/bin/python -m bench.drain [--runs 20000] [--slots 8] [--workers 2] [--singles 2000]

1. ``--runs`` runs of ``test.echo`` are triggered in batches of 500 with no worker up.
2. ``--workers`` worker processes of ``--slots`` slots start (no tick: nothing is due);
   the drain is timed from the first recorded start to the last recorded end in
   PostgreSQL (``min(started_at)`` .. ``max(finished_at)`` of the SUCCEEDED runs), so a
   worker's start-up (imports, announce) is not counted.
3. first, ``--singles`` triggers of one run each (``JobService.trigger_job(job, {})``,
   ``MAX_UNFINISHED_RUNS_PER_JOB`` at its default), timed, against the floor: a one-row
   INSERT into a table of its own in a transaction, then a Redis ZADD.

Against a private redis-server on a spare port and a scratch database. Prints JSON;
nothing is asserted. Interleave runs of two checkouts for an A/B on a shared machine.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

from bench.procs import jobsched_processes  # noqa: E402
from bench.scratch import scratch  # noqa: E402
from bench.throughput import _wait_for, private_redis  # noqa: E402
from jobsched.domain.validation import validate_job_create  # noqa: E402
from jobsched.job_life import create_job  # noqa: E402
from jobsched.loader import builtin_registry  # noqa: E402
from jobsched.service import JobService  # noqa: E402
from jobsched.settings import DEFAULT_MAX_UNFINISHED_RUNS_PER_JOB  # noqa: E402

BATCH = 500


def drain(
    redis_url: str,
    runs: int,
    workers: int,
    slots: int,
    singles: int,
    env: dict[str, str] | None = None,
) -> dict[str, Any]:
    registry = builtin_registry()
    with scratch("drain", redis_url) as scr:
        service = JobService(scr.store, scr.queue, registry, scr.settings)
        data = validate_job_create({"name": "d", "handler": "test.echo"}, registry, scr.settings)
        job = create_job(scr.store, data, datetime.now(UTC))
        out: dict[str, Any] = {}
        if singles:
            # As users run it: MAX_UNFINISHED_RUNS_PER_JOB at its default (the scratch
            # turns it off for the bulk fill), so each trigger takes the job's runs lock
            # and counts its unfinished runs.
            limited = dataclasses.replace(
                scr.settings, max_unfinished_runs_per_job=DEFAULT_MAX_UNFINISHED_RUNS_PER_JOB
            )
            one = JobService(scr.store, scr.queue, registry, limited)
            out["single_trigger"] = _singles(one, job.id, scr, singles)
        for i in range(0, runs, BATCH):
            service.trigger_job(job.id, {"runs": [{}] * min(BATCH, runs - i)})

        def done() -> bool:
            if any(scr.queue.depth().values()):
                return False
            with scr.store.tx() as conn:
                n = conn.execute(
                    "SELECT count(*) AS n FROM executions WHERE status = 'SUCCEEDED'"
                    " AND job_id = %s",
                    (job.id,),
                ).fetchone()["n"]
            return n >= runs + singles

        with jobsched_processes(scr, workers, tick=False, slots=slots, env=env):
            finished = _wait_for(done, 600, poll_s=0.2)
        with scr.store.tx() as conn:
            row = conn.execute(
                "SELECT count(*) AS n, extract(epoch FROM max(finished_at) - min(started_at))"
                " AS s FROM executions WHERE status = 'SUCCEEDED' AND job_id = %s",
                (job.id,),
            ).fetchone()
        seconds = float(row["s"] or 0)
        out["drain"] = {
            "runs": runs + singles,
            "completed": row["n"],
            "finished": finished,
            "workers": workers,
            "slots": slots,
            "seconds": round(seconds, 2),
            "runs_per_s": round(row["n"] / seconds) if seconds else None,
        }
        return out


def _singles(service: JobService, job_id: str, scr: Any, n: int) -> dict[str, Any]:
    t0 = time.perf_counter()
    for _ in range(n):
        service.trigger_job(job_id, {})
    ours = n / (time.perf_counter() - t0)
    # The floor: a row inserted in its own transaction, then one ZADD.
    key = f"{scr.prefix}:floor"
    with psycopg.connect(scr.database_url) as conn:
        conn.execute("CREATE TABLE floor (id bigserial PRIMARY KEY, at timestamptz)")
        conn.commit()
        t0 = time.perf_counter()
        for i in range(n):
            conn.execute("INSERT INTO floor (at) VALUES (now())")
            conn.commit()
            scr.client.zadd(key, {str(i): i})
        floor = n / (time.perf_counter() - t0)
    scr.client.delete(key)
    return {"per_s": round(ours), "floor_per_s": round(floor), "ratio": round(ours / floor, 2)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--slots", type=int, default=8)
    parser.add_argument("--singles", type=int, default=2_000)
    parser.add_argument("--prefetch", type=int, help="WORKER_PREFETCH (default: the setting's)")
    args = parser.parse_args()
    env = None if args.prefetch is None else {"WORKER_PREFETCH": str(args.prefetch)}
    with private_redis() as redis_url:
        figures = drain(redis_url, args.runs, args.workers, args.slots, args.singles, env)
        print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
