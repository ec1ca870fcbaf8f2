"""Start lag: how close to their due time runs start, here and on Celery (ETA tasks).

    .venv/bin/python -m bench.start_lag [--runs 3000] [--spread 60] [--no-celery]

The workload, the same for both: ``--runs`` runs due at times spread evenly over
``--spread`` seconds (starting 10 s from now), on two worker processes with 25 slots
each, handler doing nothing. For each run: start time minus due time. Reported: p50,
p95, p99 and max lag (ms), runs started early (before their due time), duplicates
(runs started more than once) and runs that never started within 30 s of the window.

- Job Scheduler: runs triggered with ``run_at`` (the path the tick's staged cron runs
  take too): they wait in Redis's delayed set and a worker's claim makes them ready at
  their time. The start is the worker's recorded ``started_at`` (its clock, at claim).
- Celery: ``apply_async(eta=...)`` on a Redis broker, two ``celery worker`` processes
  with the threads pool (25 each). Celery is installed only for the benchmarks, into
  ``.venv-bench`` (bench/venv.py, pinned in bench/requirements-compare.txt), never .venv.

Own database, Redis key prefixes and Celery queue, all removed afterwards. Writes
bench/results/start_lag.json. Nothing asserts a timing: the figures are for people.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import venv  # noqa: E402
from bench.procs import jobsched_processes  # noqa: E402
from bench.scratch import Scratch, scratch, write_results  # noqa: E402
from infra.local.services import ensure_redis  # noqa: E402
from jobsched.domain.validation import validate_job_create  # noqa: E402
from jobsched.job_life import create_job  # noqa: E402
from jobsched.loader import builtin_registry  # noqa: E402
from jobsched.queue.redis_queue import connect  # noqa: E402
from jobsched.service import JobService  # noqa: E402
from jobsched.settings import DEFAULT_REDIS_URL  # noqa: E402

WORKERS = 2
SLOTS = 25
LEAD_S = 10.0
"""The first run is due this long after submission: time for workers to start."""
GRACE_S = 30.0


def summary(lags_ms: list[float], starts: dict[str, int], runs: int) -> dict:
    """Percentiles of the lags (one per run, its first start), early starts, duplicates."""
    ordered = sorted(lags_ms)

    def pct(p: float) -> float | None:
        if not ordered:
            return None
        return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))], 1)

    return {
        "runs": runs,
        "started": len(ordered),
        "never_started": runs - len(ordered),
        "lag_ms": {
            "p50": pct(0.50),
            "p95": pct(0.95),
            "p99": pct(0.99),
            "max": round(ordered[-1], 1) if ordered else None,
        },
        "early": sum(1 for lag in ordered if lag < 0),
        "duplicates": sum(n - 1 for n in starts.values() if n > 1),
    }


def _due_times(runs: int, spread_s: float) -> list[datetime]:
    start = datetime.now(UTC) + timedelta(seconds=LEAD_S)
    step = spread_s / max(runs - 1, 1)
    return [start + timedelta(seconds=i * step) for i in range(runs)]


def ours(runs: int, spread_s: float) -> dict:
    with scratch("lag") as scr, jobsched_processes(scr, WORKERS, tick=False, slots=SLOTS):
        return _measure_ours(scr, runs, spread_s)


def _measure_ours(scr: Scratch, runs: int, spread_s: float) -> dict:
    """Trigger ``runs`` runs due over ``spread_s`` on this project's workers and
    measure when each started."""
    store, queue, settings = scr.store, scr.queue, scr.settings
    registry = builtin_registry()
    service = JobService(store, queue, registry, settings)
    data = validate_job_create({"name": "lag", "handler": "test.echo"}, registry, settings)
    job = create_job(store, data, datetime.now(UTC))
    due = _due_times(runs, spread_s)
    for i in range(0, runs, 500):
        batch = [{"run_at": t.isoformat()} for t in due[i : i + 500]]
        service.trigger_job(job.id, {"runs": batch})
    deadline = due[-1] + timedelta(seconds=GRACE_S)
    finished = 0
    while datetime.now(UTC) < deadline and finished < runs:
        time.sleep(1)
        with store.tx() as conn:
            finished = conn.execute(
                "SELECT count(*) AS n FROM executions WHERE status = 'SUCCEEDED'"
            ).fetchone()["n"]
    with store.tx() as conn:
        rows = conn.execute(
            "SELECT id, scheduled_for, attempts FROM executions WHERE job_id = %s",
            (job.id,),
        ).fetchall()
    lags, starts = [], {}
    for r in rows:
        attempts = r["attempts"] or []
        if not attempts:
            continue
        first = datetime.fromisoformat(attempts[0]["started_at"])
        lags.append((first - r["scheduled_for"]).total_seconds() * 1000)
        starts[str(r["id"])] = len(attempts)
    return summary(lags, starts, runs)


CELERY_APP = textwrap.dedent(
    """
    import os, time
    import redis
    from celery import Celery

    PREFIX = os.environ["LAG_PREFIX"]
    app = Celery("lag", broker=os.environ["LAG_BROKER"])
    app.conf.update(
        broker_transport_options={"global_keyprefix": PREFIX + ":"},
        task_default_queue=PREFIX,
        worker_hijack_root_logger=False,
        broker_connection_retry_on_startup=True,
    )
    results = redis.Redis.from_url(os.environ["LAG_BROKER"])

    @app.task(name="lag.probe")
    def probe(i, due):
        results.rpush(PREFIX + ":starts", f"{i} {due} {time.time()}")
    """
)


def celery(redis_url: str, runs: int, spread_s: float) -> dict:
    python = venv.bench_python()
    if python is None:
        return {"error": ".venv-bench could not be made"}
    prefix = f"jslagcelery{secrets.token_hex(4)}"
    app_dir = venv.VENV / "app"
    app_dir.mkdir(exist_ok=True)
    (app_dir / "lag_app.py").write_text(CELERY_APP)
    env = {**os.environ, "LAG_PREFIX": prefix, "LAG_BROKER": redis_url, "PYTHONPATH": str(app_dir)}
    client = connect(redis_url)
    procs = [
        subprocess.Popen(
            [
                str(python),
                "-m",
                "celery",
                "-A",
                "lag_app",
                "worker",
                "--pool",
                "threads",
                "-c",
                str(SLOTS),
                "-n",
                f"lag{i}@%h",
                "-Q",
                prefix,
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-l",
                "warning",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for i in range(WORKERS)
    ]
    try:
        due = _due_times(runs, spread_s)
        submit = textwrap.dedent(
            """
            import sys, json
            from datetime import datetime
            from lag_app import probe
            for i, t in enumerate(json.load(sys.stdin)):
                when = datetime.fromisoformat(t)
                probe.apply_async((i, when.timestamp()), eta=when)
            """
        )
        subprocess.run(
            [str(python), "-c", submit],
            input=json.dumps([t.isoformat() for t in due]),
            text=True,
            env=env,
            check=True,
        )
        deadline = due[-1] + timedelta(seconds=GRACE_S)
        while datetime.now(UTC) < deadline and client.llen(f"{prefix}:starts") < runs:
            time.sleep(1)
        lags, starts = [], {}
        for entry in client.lrange(f"{prefix}:starts", 0, -1):
            i, due_ts, started = entry.split()
            starts[i] = starts.get(i, 0) + 1
            if starts[i] == 1:
                lags.append((float(started) - float(due_ts)) * 1000)
        return summary(lags, starts, runs)
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
        for key in client.scan_iter(match=f"*{prefix}*", count=1000):
            client.delete(key)
        client.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3_000)
    parser.add_argument("--spread", type=float, default=60.0, help="seconds")
    parser.add_argument("--no-celery", action="store_true")
    args = parser.parse_args()
    redis_url = ensure_redis(os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL)  # for Celery
    results: dict = {
        "when": datetime.now(UTC).isoformat(),
        "machine": {"cpus": os.cpu_count()},
        "workload": {
            "runs": args.runs,
            "spread_s": args.spread,
            "workers": WORKERS,
            "slots_per_worker": SLOTS,
        },
        "job_scheduler": ours(args.runs, args.spread),
    }
    if not args.no_celery:
        results["celery_eta"] = {
            "versions": "bench/requirements-compare.txt",
            **celery(redis_url, args.runs, args.spread),
        }
    print(json.dumps(results, indent=2))
    print(f"written to {write_results('start_lag', results)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
