"""The worker's hot path, measured on its own: N queued `test.echo` runs drained by
worker processes with the tick running, every execution recorded in PostgreSQL.

    .venv/bin/python -m bench.worker_profile --runs 20000 [--workers 2] [--profile]

Prints executions/s (drain only: the runs are written and pushed before the workers
start; and end to end, as `make bench` does it, triggering while the workers run), and
the round trips each execution cost: Redis round trips and PostgreSQL statements
counted inside the worker processes, PostgreSQL transactions from the database's own
statistics (the scratch database serves only this benchmark, its tick included), and
the CPU time the worker processes spent per execution.
``--profile`` writes a cProfile of each worker to .bench/worker-<i>.prof (not kept in git).
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.scratch import ROOT, scratch
from jobsched.clock import SystemClock
from jobsched.domain.validation import validate_job_create
from jobsched.job_life import create_job
from jobsched.loader import builtin_registry
from jobsched.scheduler import Scheduler
from jobsched.trigger import trigger as trigger_executions

PROFILES = ROOT / ".bench"


def _count_round_trips(out: Path) -> None:
    """In a worker process: count Redis round trips and PostgreSQL statements, and
    write the counts to ``out`` when the process exits."""
    import psycopg
    from redis.connection import Connection

    counts = {"redis_round_trips": 0, "pg_statements": 0, "pg_executes": 0, "cpu_ms": 0}
    send = Connection.send_packed_command

    def counted_send(self: Any, command: Any, check_health: bool = True) -> Any:
        counts["redis_round_trips"] += 1
        return send(self, command, check_health)

    Connection.send_packed_command = counted_send  # type: ignore[method-assign]
    execute, executemany = psycopg.Cursor.execute, psycopg.Cursor.executemany

    def counted_execute(self: Any, *args: Any, **kwargs: Any) -> Any:
        counts["pg_statements"] += 1
        counts["pg_executes"] += 1
        return execute(self, *args, **kwargs)

    def counted_executemany(self: Any, query: Any, params_seq: Any, **kwargs: Any) -> Any:
        params_seq = list(params_seq)
        counts["pg_statements"] += len(params_seq)
        counts["pg_executes"] += 1
        return executemany(self, query, params_seq, **kwargs)

    psycopg.Cursor.execute = counted_execute  # type: ignore[method-assign]
    psycopg.Cursor.executemany = counted_executemany  # type: ignore[method-assign]

    def write() -> None:
        counts["cpu_ms"] = round(time.process_time() * 1000)
        out.write_text(json.dumps(counts))

    atexit.register(write)


def child(counts_file: str, profile_file: str | None) -> int:
    """A worker process (``python -m jobsched worker``) with its round trips counted."""
    _count_round_trips(Path(counts_file))
    from jobsched.cli import main

    if not profile_file:
        return main(["worker"])
    import cProfile

    profiler = cProfile.Profile()
    profiler.enable()
    try:
        return main(["worker"])
    finally:
        profiler.disable()
        profiler.dump_stats(profile_file)


def _pg_xacts(conn: Any) -> int:
    row = conn.execute(
        "SELECT xact_commit + xact_rollback AS n FROM pg_stat_database"
        " WHERE datname = current_database()"
    ).fetchone()
    return int(row["n"])


def _done(store: Any) -> int:
    with store.tx() as conn:
        return conn.execute(
            "SELECT count(*) AS n FROM executions WHERE status = 'SUCCEEDED'"
        ).fetchone()["n"]


def run(runs: int, workers: int, concurrency: int, mode: str, profile: bool) -> dict:
    clock = SystemClock()
    with scratch("wprof") as s, tempfile.TemporaryDirectory() as tmp:
        store, settings = s.store, s.settings
        data = validate_job_create(
            {"name": "e2e", "handler": "test.echo"}, builtin_registry(), settings
        )
        job = create_job(store, data, clock.now())
        env = {
            **os.environ,
            "DATABASE_URL": settings.database_url,
            "REDIS_URL": settings.redis_url,
            "REDIS_KEY_PREFIX": settings.redis_key_prefix,
            "MAX_CONCURRENT_JOBS": str(concurrency),
            "PYTHONPATH": str(ROOT),
        }

        def trigger() -> None:
            for i in range(0, runs, 500):
                trigger_executions(store, job.id, clock.now(), [{}] * min(500, runs - i))
            Scheduler(store, s.queue, settings, clock).flush_outbox(clock.now())

        if mode == "drain":
            trigger()
        tick = subprocess.Popen(
            [sys.executable, "-m", "jobsched", "tick"], env=env, stderr=subprocess.DEVNULL
        )
        with s.store.tx() as conn:
            xacts0 = _pg_xacts(conn)
        procs = []
        for i in range(workers):
            cmd = [sys.executable, "-m", "bench.worker_profile", "--child", f"{tmp}/{i}.json"]
            if profile:
                PROFILES.mkdir(exist_ok=True)
                cmd += ["--profile-to", str(PROFILES / f"worker-{i}.prof")]
            procs.append(
                subprocess.Popen(
                    cmd, env={**env, "WORKER_ID": f"wprof-{i}"}, stderr=subprocess.DEVNULL
                )
            )
        try:
            t0 = time.perf_counter()
            if mode == "end_to_end":
                trigger()
            done = 0
            while done < runs and time.perf_counter() - t0 < 300:
                done = _done(store)
                time.sleep(0.1)
            elapsed = time.perf_counter() - t0
            with s.store.tx() as conn:
                xacts = _pg_xacts(conn) - xacts0
        finally:
            for p in [*procs, tick]:
                p.send_signal(signal.SIGTERM)
            for p in [*procs, tick]:
                p.wait(timeout=60)
        counts: dict[str, int] = {}
        for i in range(workers):
            path = Path(f"{tmp}/{i}.json")
            for key, value in (json.loads(path.read_text()) if path.exists() else {}).items():
                counts[key] = counts.get(key, 0) + value
    per = {k: round(v / max(done, 1), 3) for k, v in counts.items()}
    per["worker_cpu_ms"] = per.pop("cpu_ms", None)
    return {
        "mode": mode,
        "runs": runs,
        "completed": done,
        "workers": workers,
        "concurrency_per_worker": concurrency,
        "seconds": round(elapsed, 2),
        "executions_per_s": round(done / elapsed, 1),
        "per_execution": {**per, "pg_transactions_all_processes": round(xacts / max(done, 1), 3)},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=25)
    parser.add_argument("--mode", choices=["drain", "end_to_end"], default="drain")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--profile-to", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child, args.profile_to)
    print(
        json.dumps(
            run(args.runs, args.workers, args.concurrency, args.mode, args.profile), indent=2
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
