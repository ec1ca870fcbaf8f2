"""End to end, Job Scheduler alone: a producer and the workers at once, with round trips
per execution; and ``--profile``, the same with py-spy on one worker (``make bench``'s
``profile``). The fair comparison with the peers is bench/drain.py.

    .venv/bin/python -m bench.throughput [--runs 20000] [--profile]

``--runs`` no-op runs queued at once by a producer in batches of 500
(``JobService.trigger_job(job, {"runs": [...]})``, what ``POST /jobs/{id}/trigger``
runs) of ``test.echo``, drained by two ``python -m jobsched worker`` of ``SLOTS`` slots and
one ``python -m jobsched tick`` (bench/procs.py); measured from the first enqueue to the
last ``finished_at`` of a SUCCEEDED run in PostgreSQL, and each run's wait
(``finished_at - created_at``). On a private redis-server the benchmark starts on a spare
port (so the Redis command counts are this workload's alone) and a scratch database.

Round trips per execution: Redis ``total_commands_processed`` delta on the private
server (every client: producer, workers, tick); PostgreSQL transactions as the
database's ``pg_stat_database.xact_commit`` delta (the benchmark's own polling
subtracted) and statements counted on the client (bench/counted.py).

``profile(runs)`` (``--profile``) is a separate, smaller run of Job Scheduler alone with
py-spy (from .venv-bench) sampling one worker: the top frames and the share of samples
in Redis, PostgreSQL and the rest. Separate, because py-spy takes CPU the measured run
would otherwise have.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import counted, venv  # noqa: E402
from bench.enqueue import _commits  # noqa: E402
from bench.procs import jobsched_processes  # noqa: E402
from bench.scratch import scratch, write_results  # noqa: E402
from infra.local.ports import free_port  # noqa: E402
from infra.local.services import LocalServices  # noqa: E402
from jobsched.domain.validation import validate_job_create  # noqa: E402
from jobsched.job_life import create_job  # noqa: E402
from jobsched.loader import builtin_registry  # noqa: E402
from jobsched.queue.redis_queue import connect  # noqa: E402
from jobsched.service import JobService  # noqa: E402

WORKERS = 2
SLOTS = 100
"""Slots per worker (MAX_CONCURRENT_JOBS; Celery's -c): no-op runs are short, so more
slots mean larger claim and record batches (25 measured ~25% slower here)."""
BATCH = 500
TIMEOUT_S = 600.0


def _wait_for(condition: Callable[[], bool], timeout_s: float, poll_s: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(poll_s)
    return condition()


@contextlib.contextmanager
def private_redis() -> Iterator[str]:
    """A redis-server of the benchmark's own on a spare port, stopped afterwards."""
    with tempfile.TemporaryDirectory(prefix="jobsched-bench-") as root:
        services = LocalServices(Path(root))
        try:
            yield services.ensure_redis(f"redis://127.0.0.1:{free_port()}/0")
        finally:
            services.stop()


def _redis_commands(url: str) -> int:
    client = connect(url)
    try:
        return int(client.info("stats")["total_commands_processed"])
    finally:
        client.close()


# ----------------------------------------------------------------------- profile


class Profiler:
    """py-spy sampling one process until stopped; nothing if py-spy is not installed."""

    def __init__(self, pid: int) -> None:
        self.out = Path(tempfile.mkstemp(prefix="bench-pyspy-", suffix=".txt")[1])
        spy = venv.tool("py-spy")
        self.proc = (
            subprocess.Popen(
                [
                    *(str(spy), "record", "--pid", str(pid), "--format", "raw"),
                    *("--rate", "100", "--nonblocking", "--output", str(self.out)),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            if spy
            else None
        )

    def stop(self) -> dict[str, Any] | None:
        if self.proc is None:
            return None
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return None
        try:
            return summarise_stacks(self.out.read_text())
        finally:
            self.out.unlink(missing_ok=True)


def _where(frame: str) -> str:
    """py-spy names a frame ``function (package/module.py:line)``."""
    if "(redis/" in frame or "/redis/" in frame:
        return "redis"
    if "(psycopg" in frame or "/psycopg" in frame:
        return "postgresql"
    return "python"


def summarise_stacks(folded: str, top: int = 12) -> dict[str, Any]:
    """py-spy's folded stacks (``a;b;c 42`` per line) as: samples by where the innermost
    project-or-library frame is (Redis client, PostgreSQL client, other Python), and the
    leaf frames that took the most samples."""
    shares: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    total = 0
    for line in folded.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = stack.split(";")
        total += n
        kinds = {_where(f) for f in frames}
        # A stack inside a client library counts as waiting on that server.
        where = next((k for k in ("postgresql", "redis") if k in kinds), "python")
        shares[where] += n
        leaves[frames[-1]] += n
    return {
        "samples": total,
        "share": {k: round(v / total, 3) for k, v in shares.items()} if total else {},
        "top_leaf_frames": [
            {"frame": frame, "share": round(n / total, 3)} for frame, n in leaves.most_common(top)
        ],
    }


# ----------------------------------------------------------------------- ours


def ours(redis_url: str, runs: int, profile: bool = False) -> dict[str, Any]:
    registry = builtin_registry()
    with scratch("thru", redis_url) as scr, tempfile.TemporaryDirectory() as counts_dir:
        service = JobService(scr.store, scr.queue, registry, scr.settings)
        data = validate_job_create({"name": "e2e", "handler": "test.echo"}, registry, scr.settings)
        job = create_job(scr.store, data, datetime.now(UTC))
        polls = 0
        profiled = None
        with jobsched_processes(
            scr, WORKERS, tick=True, slots=SLOTS, statements_dir=Path(counts_dir)
        ) as procs:
            now = datetime.now(UTC)
            _wait_for(lambda: len(scr.queue.workers(now, 60_000, 60_000)) >= WORKERS, 60)
            spy = Profiler(procs.worker_pids[0]) if profile and procs.worker_pids else None
            time.sleep(1.5)  # let the PostgreSQL statistics of the start-up be flushed
            xact0, redis0 = _commits(scr.database_url), _redis_commands(redis_url)
            counted._install()  # the producer's statements (this process) are counted too
            before = counted.COUNTS["statements"]
            t0 = time.time()
            for i in range(0, runs, BATCH):
                service.trigger_job(job.id, {"runs": [{}] * min(BATCH, runs - i)})
            t_enqueued = time.time()
            producer_statements = counted.COUNTS["statements"] - before

            def done() -> bool:
                # Redis first (three ZCARDs): a run leaves the queue only once its
                # result is in PostgreSQL, so while the queue holds any, the count
                # below (a scan that grows with the runs, on the CPU the workers
                # need) cannot be complete yet.
                if any(scr.queue.depth().values()):
                    return False
                nonlocal polls
                polls += 1
                with scr.store.tx() as conn:
                    return (
                        conn.execute(
                            "SELECT count(*) AS n FROM executions"
                            " WHERE status = 'SUCCEEDED' AND job_id = %s",
                            (job.id,),
                        ).fetchone()["n"]
                        >= runs
                    )

            finished = _wait_for(done, TIMEOUT_S, poll_s=0.1)
            if spy is not None:
                profiled = spy.stop()
            redis1 = _redis_commands(redis_url)
        time.sleep(1.5)  # the stopped processes' statistics reach pg_stat_database
        xact1 = _commits(scr.database_url)
        statements = counted.read_counts(Path(counts_dir)) + producer_statements
        with scr.store.tx() as conn:
            row = conn.execute(
                "SELECT count(*) AS n, extract(epoch FROM max(finished_at)) AS last,"
                " percentile_cont(ARRAY[0.5, 0.99]) WITHIN GROUP"
                " (ORDER BY extract(epoch FROM finished_at - created_at)) AS p"
                " FROM executions WHERE status = 'SUCCEEDED' AND job_id = %s",
                (job.id,),
            ).fetchone()
        completed = row["n"]
        elapsed = float(row["last"]) - t0 if completed else None
        result = {
            "completed": completed,
            "finished": finished,
            "seconds": round(elapsed, 2) if elapsed else None,
            "executions_per_s": round(completed / elapsed) if elapsed else None,
            "enqueue_per_s": round(runs / (t_enqueued - t0)),
            "latency_s": {"p50": round(row["p"][0], 3), "p99": round(row["p"][1], 3)}
            if row["p"]
            else None,
            "per_execution": {
                "redis_commands": round((redis1 - redis0) / max(completed, 1), 2),
                "postgres_transactions": round((xact1 - xact0 - polls - 1) / max(completed, 1), 2),
                "postgres_statements": round(statements / max(completed, 1), 2),
            },
        }
        if profiled is not None:
            result["profile_of_one_worker"] = profiled
        return result


def profile(runs: int) -> dict[str, Any]:
    """Job Scheduler's end to end with one worker sampled by py-spy (its figures are
    those of a run that shared the CPU with the profiler)."""
    if venv.bench_python() is None:
        return {"error": ".venv-bench could not be made"}
    with private_redis() as redis_url:
        return ours(redis_url, runs, profile=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=20_000)
    parser.add_argument("--profile", action="store_true", help="one worker sampled by py-spy")
    args = parser.parse_args()
    if args.profile:
        results = profile(args.runs)
        name = "profile"
    else:
        with private_redis() as redis_url:
            results = {"job_scheduler": ours(redis_url, args.runs)}
        name = "throughput"
    print(json.dumps(results, indent=2))
    print(f"written to {write_results(name, results)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
