"""End-to-end throughput, here and on Celery and RQ, in one run on one machine.

    .venv/bin/python -m bench.throughput [--runs 20000] [--no-others] [--profile]

The workload, the same for all three: ``--runs`` no-op tasks queued at once by a
producer in batches of 500, drained by 2 worker processes of 100 slots each; measured
from the first enqueue to the last task finished (executions/s), and each task's wait
from its enqueue to its end (p50/p99). Everything runs against a private redis-server
the benchmark starts on a spare port (so the Redis command counts are this workload's
alone, and nothing is flushed on the shared server), and, for Job Scheduler, a scratch
PostgreSQL database.

- Job Scheduler: ``JobService.trigger_job(job, {"runs": [...]})`` (what ``POST
  /jobs/{id}/trigger`` runs) of ``test.echo``; two ``python -m jobsched worker`` and one
  ``python -m jobsched tick`` (bench/procs.py). Done = the execution is SUCCEEDED in
  PostgreSQL (its ``finished_at``; the wait is ``finished_at - created_at``).
- Celery (Redis broker, ``--pool threads -c 25``, defaults otherwise: early acks,
  results ignored) and RQ (``SimpleWorker``: jobs run in the worker process, no fork
  per job, the fastest of its worker classes; ``enqueue_many``, ``result_ttl=0``),
  from .venv-bench. Done = the task's own report (bench/others), one extra pipelined
  Redis round trip per task that Job Scheduler does not make.

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
import os
import secrets
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
from bench.stats import percentiles  # noqa: E402
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
OTHERS = ROOT / "bench" / "others"


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


# ----------------------------------------------------------------------- others


def _others_env(python: Path, redis_url: str, db: int, prefix: str) -> dict[str, str]:
    broker = redis_url.rsplit("/", 1)[0] + f"/{db}"
    return {
        **os.environ,
        "BENCH_PREFIX": prefix,
        "BENCH_BROKER": broker,
        "PYTHONPATH": str(OTHERS),
        "VIRTUAL_ENV": str(python.parent.parent),
    }


def _drain(
    python: Path,
    redis_url: str,
    db: int,
    runs: int,
    producer: str,
    worker_argv: Callable[[str, int], list[str]],
    ready: Callable[[Any, str], bool],
) -> dict[str, Any]:
    """Start the workers, wait until they are ready, run the producer, wait for ``runs``
    done reports; the figures in the shape of ``ours``."""
    prefix = f"bench{secrets.token_hex(4)}"
    env = _others_env(python, redis_url, db, prefix)
    client = connect(env["BENCH_BROKER"])
    procs = [
        subprocess.Popen(
            worker_argv(prefix, i),
            env=env,
            cwd=OTHERS,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for i in range(WORKERS)
    ]

    def dead() -> bool:
        return any(p.poll() is not None for p in procs)

    try:
        if not _wait_for(lambda: dead() or ready(client, prefix), 60) or dead():
            return {"error": "workers did not start"}
        redis0 = _redis_commands(redis_url)
        out = subprocess.run(
            [str(python), "-m", producer, str(runs), str(BATCH)],
            env=env, cwd=OTHERS, capture_output=True, text=True, check=True,
        )  # fmt: skip
        t0, t_enqueued = map(float, out.stdout.strip().splitlines()[-1].split())
        finished = _wait_for(
            lambda: dead() or int(client.get(f"{prefix}:done") or 0) >= runs, TIMEOUT_S
        )
        redis1 = _redis_commands(redis_url)
        times = [tuple(map(float, e.split())) for e in client.lrange(f"{prefix}:times", 0, -1)]
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        for key in client.scan_iter(count=1000):  # this server and db are the benchmark's
            client.delete(key)
        client.close()
    last = max(end for _, end in times) if times else None
    elapsed = last - t0 if last else None
    return {
        "completed": len(times),
        "finished": finished,
        "seconds": round(elapsed, 2) if elapsed else None,
        "executions_per_s": round(len(times) / elapsed) if elapsed else None,
        "enqueue_per_s": round(runs / (t_enqueued - t0)),
        "latency_s": percentiles([end - start for start, end in times]),
        "per_execution": {
            # minus the one pipelined report per task (2 commands) the others need
            "redis_commands": round((redis1 - redis0) / max(len(times), 1) - 2, 2),
        },
    }


def celery(python: Path, redis_url: str, runs: int) -> dict[str, Any]:
    def argv(prefix: str, i: int) -> list[str]:
        return [
            str(python), "-m", "celery", "-A", "celery_app", "worker", "--pool", "threads",
            "-c", str(SLOTS), "-n", f"bench{i}@%h", "-Q", prefix, "--without-gossip",
            "--without-mingle", "--without-heartbeat", "-l", "warning",
        ]  # fmt: skip

    def ready(client: Any, prefix: str) -> bool:
        return int(client.get(f"{prefix}:ready") or 0) >= WORKERS

    result = _drain(python, redis_url, 1, runs, "celery_app", argv, ready)
    return {"setup": f"Redis broker, --pool threads -c {SLOTS}, {WORKERS} processes", **result}


def rq(python: Path, redis_url: str, runs: int) -> dict[str, Any]:
    broker = redis_url.rsplit("/", 1)[0] + "/2"

    def argv(prefix: str, i: int) -> list[str]:
        return [
            str(python), "-m", "rq.cli", "worker", "--url", broker,
            "--worker-class", "rq.worker.SimpleWorker", "--name", f"{prefix}-{i}",
            "--logging_level", "WARNING", prefix,
        ]  # fmt: skip

    def ready(client: Any, prefix: str) -> bool:
        return sum(1 for _ in client.scan_iter(match=f"rq:worker:{prefix}-*")) >= WORKERS

    result = _drain(python, redis_url, 2, runs, "rq_tasks", argv, ready)
    return {"setup": "SimpleWorker (no fork per job), 2 processes, enqueue_many", **result}


def profile(runs: int) -> dict[str, Any]:
    """Job Scheduler's end to end with one worker sampled by py-spy (its figures are
    those of a run that shared the CPU with the profiler)."""
    if venv.bench_python() is None:
        return {"error": ".venv-bench could not be made"}
    with private_redis() as redis_url:
        return ours(redis_url, runs, profile=True)


def compare(runs: int, others: bool = True) -> dict[str, Any]:
    python = venv.bench_python() if others else None
    results: dict[str, Any] = {
        "workload": {"runs": runs, "workers": WORKERS, "slots_per_worker": SLOTS, "batch": BATCH},
    }
    with private_redis() as redis_url:
        results["job_scheduler"] = ours(redis_url, runs)
        if others and python is None:
            results["others"] = "not measured: .venv-bench could not be made"
        elif others and python is not None:
            results["celery"] = celery(python, redis_url, runs)
            results["rq"] = rq(python, redis_url, runs)
    rates = {k: v.get("executions_per_s") for k, v in results.items() if isinstance(v, dict)}
    best = max((r for k, r in rates.items() if k in ("celery", "rq") and r), default=None)
    ours_rate = rates.get("job_scheduler")
    if best and ours_rate:
        results["ratio_ours_to_best_other"] = round(ours_rate / best, 2)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=20_000)
    parser.add_argument("--no-others", action="store_true")
    parser.add_argument("--profile", action="store_true", help="our run alone, profiled")
    args = parser.parse_args()
    if args.profile:
        results = profile(args.runs)
        name = "profile"
    else:
        results = compare(args.runs, others=not args.no_others)
        name = "throughput"
    print(json.dumps(results, indent=2))
    print(f"written to {write_results(name, results)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
