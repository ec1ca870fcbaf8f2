"""Fair drain and enqueue: the queue filled first, then the drain timed alone, for Job
Scheduler and every peer (Celery, RQ, huey, dramatiq, procrastinate), at the same
processes and slots.

    .venv/bin/python -m bench.drain [--runs 5000] [--singles 500] [--repeat 3] [--quick]

One measured run of one system at one slot count:

1. with no worker running, ``runs`` no-op tasks are enqueued in batches of 500 (each
   system's bulk call; timed: batched enqueue/s), then ``singles`` more one per call
   (timed: single enqueue/s);
2. then 2 worker processes with ``slots`` each start and drain all of them. The drain is
   timed from the first handler body's start to the last run done (ours: its
   ``finished_at`` in PostgreSQL, recorded SUCCEEDED; peers: the end of the body), so
   start-up is not in it for anyone.
3. Verified: ours by counting SUCCEEDED runs in PostgreSQL (none ran twice: one attempt
   each), peers by counting their handler executions by index; a run that lost or
   duplicated one, or timed out, is ``complete: false`` and enters no median or ratio
   (bench/fair.py).

Every system runs at 8 slots per process and at our default (``MAX_CONCURRENT_JOBS``),
each configuration ``--repeat`` times, interleaved (system by system within a repeat, so
a drift of the machine hits all of them). Everything runs on a private redis-server
(bench/throughput.py's) and, for ours and procrastinate, a scratch PostgreSQL database.
Writes bench/results/drain.json. Nothing asserts a timing.
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
from collections.abc import Callable, Iterator
from dataclasses import fields
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import fair, venv  # noqa: E402
from bench.procs import jobsched_processes  # noqa: E402
from bench.scratch import Scratch, scratch, write_results  # noqa: E402
from bench.throughput import private_redis  # noqa: E402
from jobsched.domain.validation import validate_job_create  # noqa: E402
from jobsched.job_life import create_job  # noqa: E402
from jobsched.loader import load_handlers  # noqa: E402
from jobsched.queue.redis_queue import connect  # noqa: E402
from jobsched.registry import HandlerRegistry  # noqa: E402
from jobsched.service import JobService  # noqa: E402
from jobsched.settings import Settings  # noqa: E402

WORKERS = 2
BATCH = 500
OTHERS = ROOT / "bench" / "others"
STAMP_MODULE = "bench.stamp_handler"
PEERS = ("celery", "rq", "huey", "dramatiq", "procrastinate")
KEYS = ("drain_per_s", "enqueue_batched_per_s", "enqueue_single_per_s")
LOG_TAIL = 2_000
"""Characters of the workers' output kept with an incomplete run."""
REDIS_DB = {"celery": 1, "rq": 2, "huey": 3, "dramatiq": 4, "procrastinate": 5}


def default_slots() -> int:
    """Our default slots per worker (``MAX_CONCURRENT_JOBS``), as a user gets it."""
    return int(next(f.default for f in fields(Settings) if f.name == "max_concurrent_jobs"))


def _wait_progress(
    count: Callable[[], int], total: int, timeout_s: float, stall_s: float = 20.0
) -> bool:
    """Wait until ``count()`` reaches ``total``; give up after ``timeout_s``, or sooner
    when it has not moved for ``stall_s`` (a lost run would otherwise hold the whole
    benchmark for the full timeout)."""
    deadline = time.monotonic() + timeout_s
    last, moved = -1, time.monotonic()
    while True:
        n = count()
        if n >= total:
            return True
        if n < 0:  # the counter says nothing more can come
            return False
        now = time.monotonic()
        if n != last:
            last, moved = n, now
        if now >= deadline or now - moved >= stall_s:
            return False
        time.sleep(0.2)


def _timeout(total: int) -> float:
    # Generous (the slowest peer drains a few hundred a second on 2 cores), and bounded.
    return min(600.0, 60.0 + total / 50)


# ----------------------------------------------------------------------- ours


def registry() -> HandlerRegistry:
    """The built-in handlers and ``bench.stamp``, as the benchmark's workers load them."""
    return load_handlers([STAMP_MODULE], builtins=True, plugins=False)


def make_job(scr: Scratch, handler: str = "bench.stamp") -> tuple[JobService, str]:
    """A service on the scratch database and a job of ``handler``; the service warmed by
    one read so that the timed triggers find their connections open."""
    reg = registry()
    service = JobService(scr.store, scr.queue, reg, scr.settings)
    data = validate_job_create({"name": "drain", "handler": handler}, reg, scr.settings)
    job = create_job(scr.store, data, datetime.now(UTC))
    service.get_job(job.id)
    return service, job.id


def ours_once(redis_url: str, runs: int, singles: int, slots: int) -> dict[str, Any]:
    total = runs + singles
    with scratch("drain", redis_url) as scr:
        service, job_id = make_job(scr)
        t0 = time.perf_counter()
        for i in range(0, runs, BATCH):
            service.trigger_job(job_id, {"runs": [{}] * min(BATCH, runs - i)})
        t1 = time.perf_counter()
        for _ in range(singles):
            service.trigger_job(job_id, None)
        t2 = time.perf_counter()

        def done() -> int:
            # Redis first: a run leaves the queue only once its result is in PostgreSQL,
            # so the count (a scan, on the CPU the workers need) waits for an empty queue.
            depth = scr.queue.depth()
            if any(depth.values()):
                return total - sum(depth.values())  # progress, not yet the count
            with scr.store.tx() as conn:
                row = conn.execute(
                    "SELECT count(*) AS n FROM executions WHERE status = 'SUCCEEDED'"
                ).fetchone()
            return int(row["n"])

        env = {"HANDLER_MODULES": STAMP_MODULE}
        with jobsched_processes(scr, WORKERS, tick=False, slots=slots, env=env):
            finished = _wait_progress(done, total, _timeout(total))
        with scr.store.tx() as conn:
            row = conn.execute(
                "SELECT count(*) AS n,"
                " count(*) FILTER (WHERE status = 'SUCCEEDED') AS succeeded,"
                " count(*) FILTER (WHERE jsonb_array_length(attempts) > 1) AS twice,"
                " min((result->>'startedAt')::float8) AS first_start,"
                " extract(epoch FROM max(finished_at))::float8 AS last_end"
                " FROM executions WHERE job_id = %s",
                (job_id,),
            ).fetchone()
    return _figures(
        total,
        executed=int(row["succeeded"]),
        duplicates=int(row["twice"]),
        first_start=row["first_start"],
        last_end=row["last_end"],
        finished=finished,
        batched_s=t1 - t0,
        single_s=t2 - t1,
        runs=runs,
        singles=singles,
        rows=int(row["n"]),
    )


def _figures(
    total: int,
    *,
    executed: int,
    duplicates: int,
    first_start: float | None,
    last_end: float | None,
    finished: bool,
    batched_s: float,
    single_s: float,
    runs: int,
    singles: int,
    rows: int | None = None,
) -> dict[str, Any]:
    lost = total - executed
    seconds = (last_end - first_start) if first_start and last_end else None
    complete = finished and lost == 0 and duplicates == 0 and bool(seconds)
    result: dict[str, Any] = {
        "complete": complete,
        "queued": total,
        "executed": executed,
        "lost": lost,
        "duplicates": duplicates,
        "drain_seconds": round(seconds, 3) if seconds else None,
        "drain_per_s": round((total - 1) / seconds) if seconds and complete else None,
        "enqueue_batched_per_s": round(runs / batched_s) if batched_s > 0 else None,
        "enqueue_single_per_s": round(singles / single_s) if singles and single_s > 0 else None,
    }
    if rows is not None:
        result["rows"] = rows
    return result


# ----------------------------------------------------------------------- peers


def _worker_argv(
    python: Path, system: str, slots: int, broker: str, prefix: str
) -> list[list[str]]:
    """The commands that make ``WORKERS`` processes of ``slots`` each for ``system``,
    as each one's docs advise for throughput (see bench/others/<system>)."""
    bindir = python.parent
    if system == "celery":
        return [
            [
                *(str(bindir / "celery"), "-A", "celery_app", "worker", "--pool", "threads"),
                *("-c", str(slots), "--prefetch-multiplier", "64", "-n", f"bench{i}@%h"),
                *("--without-gossip", "--without-mingle", "--without-heartbeat"),
                *("-Q", prefix, "-l", "warning"),
            ]
            for i in range(WORKERS)
        ]
    if system == "rq":
        # RQ runs one job at a time per process: N slots are N processes.
        return [
            [
                *(str(bindir / "rq"), "worker", "--url", broker),
                *("--worker-class", "rq.worker.SimpleWorker", "--logging_level", "WARNING"),
                *("--name", f"{prefix}-{i}", prefix),
            ]
            for i in range(WORKERS * slots)
        ]
    if system == "huey":
        return [
            [str(bindir / "huey_consumer"), "huey_tasks.huey", "-k", "thread", "-w", str(slots)]
            for _ in range(WORKERS)
        ]
    if system == "dramatiq":
        # One command: dramatiq's own supervisor forks the worker processes.
        return [
            [
                *(str(bindir / "dramatiq"), "dramatiq_tasks", "--processes", str(WORKERS)),
                *("--threads", str(slots), "--queues", "bench"),
            ]
        ]
    if system == "procrastinate":
        return [
            [
                *(str(bindir / "procrastinate"), "--app", "procrastinate_tasks.app"),
                *("worker", "--concurrency", str(slots), "--queues", "bench"),
            ]
            for _ in range(WORKERS)
        ]
    raise ValueError(f"unknown peer {system!r}")


def _stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            p.wait(20)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


@contextlib.contextmanager
def peer_env(python: Path, system: str, redis_url: str) -> Iterator[dict[str, str]]:
    """The environment of one peer's run: its own key prefix on its own Redis database
    of the private server (emptied afterwards) and, for procrastinate, a scratch
    PostgreSQL database with its schema."""
    prefix = f"bench{secrets.token_hex(4)}"
    broker = redis_url.rsplit("/", 1)[0] + f"/{REDIS_DB[system]}"
    env = {
        **os.environ,
        "BENCH_PREFIX": prefix,
        "BENCH_BROKER": broker,
        "BENCH_REPORT": broker,
        "PYTHONPATH": str(OTHERS),
        "VIRTUAL_ENV": str(python.parent.parent),
    }
    client = connect(broker)
    try:
        if system == "procrastinate":
            with scratch("procr", redis_url) as scr:
                env["BENCH_DATABASE"] = scr.database_url
                subprocess.run(
                    [str(python.parent / "procrastinate"), "--app", "procrastinate_tasks.app",
                     "schema", "--apply"],
                    env=env, cwd=OTHERS, check=True, capture_output=True,
                )  # fmt: skip
                yield env
        else:
            yield env
    finally:
        for key in client.scan_iter(count=1000):  # this server and db are the benchmark's
            client.delete(key)
        client.close()


def _produce(
    python: Path, env: dict[str, str], system: str, mode: str, first: int, n: int
) -> float:
    """Seconds the producer spent enqueueing (its own import and connection excluded)."""
    module = {"celery": "celery_app"}.get(system, f"{system}_tasks")
    out = subprocess.run(
        [str(python), "produce.py", module, mode, str(first), str(n), str(BATCH)],
        env=env, cwd=OTHERS, capture_output=True, text=True, check=True,
    )  # fmt: skip
    t0, t1 = map(float, out.stdout.strip().splitlines()[-1].split())
    return t1 - t0


def peer_once(
    python: Path, system: str, redis_url: str, runs: int, singles: int, slots: int
) -> dict[str, Any]:
    total = runs + singles
    with peer_env(python, system, redis_url) as env:
        batched_s = _produce(python, env, system, "batched", 0, runs)
        single_s = _produce(python, env, system, "single", runs, singles) if singles else 0.0
        client = connect(env["BENCH_BROKER"])
        times_key = f"{env['BENCH_PREFIX']}:times"
        argvs = _worker_argv(python, system, slots, env["BENCH_BROKER"], env["BENCH_PREFIX"])
        # The workers' output goes to a file, so an incomplete run can say why.
        with tempfile.TemporaryFile() as log:
            procs = [
                subprocess.Popen(argv, env=env, cwd=OTHERS, stdout=log, stderr=subprocess.STDOUT)
                for argv in argvs
            ]
            try:

                def done() -> int:
                    if all(p.poll() is not None for p in procs):
                        return -1  # every worker exited: nothing more will come
                    return int(client.llen(times_key))

                finished = _wait_progress(done, total, _timeout(total))
                finished = finished and client.llen(times_key) >= total
                time.sleep(0.5)  # a duplicate delivered right after the last would show here
            finally:
                _stop(procs)
                log.seek(0)
                log_tail = log.read()[-LOG_TAIL:].decode(errors="replace")
        entries = [e.split() for e in client.lrange(times_key, 0, -1)]
        client.close()
    indices = {int(e[0]) for e in entries}
    result = _figures(
        total,
        executed=len(indices & set(range(total))),
        duplicates=len(entries) - len(indices),
        first_start=min((float(e[2]) for e in entries), default=None),
        last_end=max((float(e[3]) for e in entries), default=None),
        finished=finished,
        batched_s=batched_s,
        single_s=single_s,
        runs=runs,
        singles=singles,
    )
    if not result["complete"]:
        result["finished"] = finished
        result["workers_exited"] = [p.returncode for p in procs]
        result["log_tail"] = log_tail
    return result


# ----------------------------------------------------------------------- all


def _safely(fn: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """A run that raised is an incomplete run, with its error: the others go on."""
    try:
        return fn()
    except Exception as exc:  # reported in the results, not hidden
        return {"complete": False, "error": f"{type(exc).__name__}: {exc}"[:500]}


def measure(
    runs: int = 5_000,
    singles: int = 500,
    repeat: int = 3,
    slot_counts: list[int] | None = None,
    systems: tuple[str, ...] = ("job_scheduler", *PEERS),
) -> dict[str, Any]:
    """Every system at every slot count, ``repeat`` times; each run's figures and, per
    configuration, their spread over the complete runs and the ratios."""
    slot_counts = slot_counts or sorted({8, default_slots()}, reverse=True)
    python = venv.bench_python() if set(systems) - {"job_scheduler"} else None
    raw: dict[str, dict[str, list[dict[str, Any]]]] = {
        str(s): {name: [] for name in systems} for s in slot_counts
    }
    with private_redis() as redis_url:
        for _ in range(repeat):
            for slots in slot_counts:
                for name in systems:
                    if name == "job_scheduler":
                        run = _safely(partial(ours_once, redis_url, runs, singles, slots))
                    elif python is None:
                        run = {"complete": False, "error": ".venv-bench could not be made"}
                    else:
                        once = partial(peer_once, python, name, redis_url, runs, singles, slots)
                        run = _safely(once)
                    raw[str(slots)][name].append(run)
                    print(f"  {name} x{slots}: {json.dumps(run)}", flush=True)
    return {
        "workload": {
            "runs": runs,
            "singles": singles,
            "batch": BATCH,
            "workers": WORKERS,
            "slots": slot_counts,
            "default_slots": default_slots(),
            "repeat": repeat,
        },
        "by_slots": {slots: summarise(per_system) for slots, per_system in raw.items()},
    }


def summarise(per_system: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """One slot count: each system's runs and spread, and ours against the fastest peer."""
    summaries = {name: fair.summarise(runs, KEYS) for name, runs in per_system.items()}
    peers = {k: v for k, v in summaries.items() if k != "job_scheduler"}
    ours = summaries.get("job_scheduler")
    best = fair.fastest(peers, "drain_per_s")
    return {
        "systems": {
            name: {"runs": per_system[name], "summary": summaries[name]} for name in per_system
        },
        "fastest_peer": best[0] if best else None,
        "ratio_drain_ours_to_fastest_peer": fair.ratio(
            fair.median_of(ours, "drain_per_s"), best[1] if best else None
        ),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5_000)
    parser.add_argument("--singles", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--systems", default=",".join(("job_scheduler", *PEERS)))
    parser.add_argument("--slots", default="", help="comma-separated; default 8 and ours")
    parser.add_argument("--quick", action="store_true", help="toy sizes, nothing written")
    args = parser.parse_args()
    if args.quick:
        args.runs, args.singles, args.repeat = 200, 20, 1
    slots = [int(s) for s in args.slots.split(",") if s] or None
    systems = tuple(s for s in args.systems.split(",") if s)
    results = measure(args.runs, args.singles, args.repeat, slots, systems)
    print(json.dumps(results, indent=2))
    if not args.quick:
        print(f"written to {write_results('drain', results)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
