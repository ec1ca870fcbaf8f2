"""The single-trigger floor, measured in the same run as our single trigger, on the same
PostgreSQL server and Redis.

    .venv/bin/python -m bench.floor [--calls 2000] [--repeat 3] [--quick]

Three loops of ``calls`` calls each, one after another within each repeat:

- ``insert_commit``: a bare single-row INSERT with its own commit per call (autocommit);
- ``insert_then_zadd``: the INSERT in a transaction, committed, then a Redis ZADD of its
  id: the least a durable enqueue into PostgreSQL and Redis can do per call;
- ``ours_single``: ``JobService.trigger_job(job, None)``, one run per call, no worker
  running (what ``POST /jobs/{id}/trigger`` runs, minus HTTP), at the settings users run:
  ``MAX_UNFINISHED_RUNS_PER_JOB`` at its default (the other benches turn it off), so
  each trigger checks the job's unfinished runs, as many as the calls made so far.

Each loop is verified: as many rows written (ours: QUEUED runs) and members in Redis as
calls made, else the run is incomplete and enters no ratio (bench/fair.py). Each loop
also records the CPU microseconds per call spent by this client, by PostgreSQL and by
Redis (bench/cpu_spent.py): where the time goes, even on a busy machine. The issue's
goal: ours at least 80% of ``insert_then_zadd`` in the same run. Writes
bench/results/floor.json. Nothing asserts a timing.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import fair  # noqa: E402
from bench.cpu_spent import CPU_KEYS, cpu_per_call  # noqa: E402
from bench.drain import make_job  # noqa: E402
from bench.scratch import Scratch, scratch, write_results  # noqa: E402
from bench.throughput import private_redis  # noqa: E402
from jobsched.settings import DEFAULT_MAX_UNFINISHED_RUNS_PER_JOB  # noqa: E402

KEYS = ("per_s", *CPU_KEYS)
GOAL = 0.8
TABLE = """CREATE TABLE floor_runs (
    id uuid PRIMARY KEY, job_id uuid NOT NULL, payload jsonb NOT NULL,
    created_at timestamptz NOT NULL)"""
INSERT = "INSERT INTO floor_runs (id, job_id, payload, created_at) VALUES (%s, %s, %s, %s)"


def _row() -> tuple[Any, ...]:
    return (uuid.uuid4(), uuid.UUID(int=1), Jsonb({}), datetime.now(UTC))


def _loop(calls: int, once: Any) -> float:
    t0 = time.perf_counter()
    for _ in range(calls):
        once()
    return time.perf_counter() - t0


def _result(
    calls: int, seconds: float, written: int, pushed: int | None, cpu: dict[str, Any]
) -> dict[str, Any]:
    complete = written == calls and (pushed is None or pushed == calls)
    return {
        "complete": complete,
        "calls": calls,
        "written": written,
        "pushed": pushed,
        "per_s": round(calls / seconds) if complete and seconds > 0 else None,
        **cpu,
    }


def insert_commit(scr: Scratch, calls: int) -> dict[str, Any]:
    with psycopg.connect(scr.database_url, autocommit=True) as conn:
        conn.execute("TRUNCATE floor_runs")
        conn.execute(INSERT, _row())  # warm: the statement prepared, the session open
        conn.execute("TRUNCATE floor_runs")
        with cpu_per_call(scr.database_url, scr.client, calls) as cpu:
            seconds = _loop(calls, lambda: conn.execute(INSERT, _row()))
        written = conn.execute("SELECT count(*) FROM floor_runs").fetchone()
    return _result(calls, seconds, int(written[0]) if written else 0, None, cpu())


def insert_then_zadd(scr: Scratch, calls: int) -> dict[str, Any]:
    key = f"{scr.prefix}:floor"
    with psycopg.connect(scr.database_url) as conn:
        conn.execute("TRUNCATE floor_runs")
        conn.commit()
        scr.client.delete(key)

        def once() -> None:
            row = _row()
            with conn.transaction():
                conn.execute(INSERT, row)
            scr.client.zadd(key, {str(row[0]): time.time()})

        once()  # warm
        conn.execute("TRUNCATE floor_runs")
        conn.commit()
        scr.client.delete(key)
        with cpu_per_call(scr.database_url, scr.client, calls) as cpu:
            seconds = _loop(calls, once)
        written = conn.execute("SELECT count(*) FROM floor_runs").fetchone()
        conn.commit()
    pushed = int(scr.client.zcard(key))
    scr.client.delete(key)
    return _result(calls, seconds, int(written[0]) if written else 0, pushed, cpu())


def ours_single(scr: Scratch, calls: int) -> dict[str, Any]:
    limit = max(DEFAULT_MAX_UNFINISHED_RUNS_PER_JOB, calls + 1)  # room for every call
    settings = dataclasses.replace(scr.settings, max_unfinished_runs_per_job=limit)
    service, job_id = make_job(dataclasses.replace(scr, settings=settings), "test.echo")
    service.trigger_job(job_id, None)  # warm: Lua scripts loaded, catalogs cached
    before = scr.queue.depth()["ready"]
    with cpu_per_call(scr.database_url, scr.client, calls) as cpu:
        seconds = _loop(calls, lambda: service.trigger_job(job_id, None))
    with scr.store.tx() as conn:
        row = conn.execute(
            "SELECT count(*) AS n FROM executions WHERE job_id = %s AND status = 'QUEUED'",
            (job_id,),
        ).fetchone()
    pushed = scr.queue.depth()["ready"] - before
    return _result(calls, seconds, int(row["n"]) - 1, pushed, cpu())


def measure(calls: int = 2_000, repeat: int = 3) -> dict[str, Any]:
    loops = {"insert_commit": insert_commit, "insert_then_zadd": insert_then_zadd}
    raw: dict[str, list[dict[str, Any]]] = {"ours_single": [], **{k: [] for k in loops}}
    with private_redis() as redis_url:
        for _ in range(repeat):
            # A fresh database per repeat (same server): every repeat starts alike.
            with scratch("floor", redis_url) as scr:
                with scr.store.tx() as conn:
                    conn.execute(TABLE)
                for name, loop in loops.items():
                    raw[name].append(loop(scr, calls))
                raw["ours_single"].append(ours_single(scr, calls))
    summaries = {name: fair.summarise(runs, KEYS) for name, runs in raw.items()}
    ratio = fair.ratio(
        fair.median_of(summaries["ours_single"], "per_s"),
        fair.median_of(summaries["insert_then_zadd"], "per_s"),
    )
    return {
        "workload": {"calls": calls, "repeat": repeat},
        "loops": {name: {"runs": raw[name], "summary": summaries[name]} for name in raw},
        "ratio_ours_to_insert_then_zadd": ratio,
        "goal": GOAL,
        "goal_met": None if ratio is None else ratio >= GOAL,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="toy sizes, nothing written")
    args = parser.parse_args()
    if args.quick:
        args.calls, args.repeat = 50, 1
    results = measure(args.calls, args.repeat)
    print(json.dumps(results, indent=2))
    if not args.quick:
        print(f"written to {write_results('floor', results)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
