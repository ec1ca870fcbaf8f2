"""Start lag: how close to their due time runs start, here and on Celery (ETA tasks),
taken inside the handler body for both.

    .venv/bin/python -m bench.start_lag [--runs 2000] [--spread 20] [--repeat 3] [--quick]

The workload, the same for both: ``--runs`` runs due at times spread evenly over
``--spread`` seconds (starting ``LEAD_S`` from submission), on 2 worker processes with 8
slots each, already running. For each run: the time its handler body started minus its
due time. Reported per repeat: p50, p95, p99 and max lag (ms), runs started early,
duplicates (started more than once) and runs that never started within ``GRACE_S`` of
the window; a repeat with any duplicate or run never started is incomplete
(bench/fair.py) and enters no median.

- Job Scheduler: runs triggered with ``run_at`` (the path the tick's staged cron runs
  take too) of the ``bench.stamp`` handler (bench/stamp_handler.py), whose body reads
  the clock first and returns it as its result; the lag is that minus ``scheduled_for``.
- Celery: ``apply_async(eta=...)`` of ``bench.lag`` (bench/others/celery_app.py, its
  body reads the clock first), two ``celery worker --pool threads -c 8`` processes.

Both on the benchmark's private redis-server; ours on a scratch database. Writes
bench/results/start_lag.json. Nothing asserts a timing: the figures are for people.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import fair, venv  # noqa: E402
from bench.drain import OTHERS, STAMP_MODULE, WORKERS, make_job, peer_env  # noqa: E402
from bench.procs import jobsched_processes  # noqa: E402
from bench.scratch import scratch, write_results  # noqa: E402
from bench.throughput import private_redis  # noqa: E402
from jobsched.queue.redis_queue import connect  # noqa: E402

SLOTS = 8
LEAD_S = 5.0
"""The first run is due this long after submission begins: time to submit them all."""
GRACE_S = 20.0
KEYS = ("p50", "p99")


def summary(lags_ms: list[float], starts: dict[str, int], runs: int) -> dict[str, Any]:
    """Percentiles of the lags (one per run, its first start), early starts, duplicates;
    complete only when every run started, once."""
    ordered = sorted(lags_ms)

    def pct(p: float) -> float | None:
        if not ordered:
            return None
        return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))], 1)

    duplicates = sum(n - 1 for n in starts.values() if n > 1)
    never = runs - len(ordered)
    return {
        "complete": never == 0 and duplicates == 0,
        "runs": runs,
        "started": len(ordered),
        "never_started": never,
        "p50": pct(0.50),
        "p95": pct(0.95),
        "p99": pct(0.99),
        "max": round(ordered[-1], 1) if ordered else None,
        "early": sum(1 for lag in ordered if lag < 0),
        "duplicates": duplicates,
    }


def _due_times(runs: int, spread_s: float) -> list[datetime]:
    start = datetime.now(UTC) + timedelta(seconds=LEAD_S)
    step = spread_s / max(runs - 1, 1)
    return [start + timedelta(seconds=i * step) for i in range(runs)]


def _wait_until(deadline: datetime, done: Any) -> None:
    while datetime.now(UTC) < deadline and not done():
        time.sleep(0.5)


def ours(redis_url: str, runs: int, spread_s: float) -> dict[str, Any]:
    env = {"HANDLER_MODULES": STAMP_MODULE}
    with (
        scratch("lag", redis_url) as scr,
        jobsched_processes(scr, WORKERS, tick=False, slots=SLOTS, env=env),
    ):
        service, job_id = make_job(scr)
        due = _due_times(runs, spread_s)
        for i in range(0, runs, 500):
            batch = [{"run_at": t.isoformat()} for t in due[i : i + 500]]
            service.trigger_job(job_id, {"runs": batch})

        def done() -> bool:
            with scr.store.tx() as conn:
                row = conn.execute(
                    "SELECT count(*) AS n FROM executions WHERE status = 'SUCCEEDED'"
                ).fetchone()
            return bool(row["n"] >= runs)

        _wait_until(due[-1] + timedelta(seconds=GRACE_S), done)
        with scr.store.tx() as conn:
            rows = conn.execute(
                "SELECT id, (result->>'startedAt')::float8 AS started,"
                " extract(epoch FROM scheduled_for)::float8 AS due,"
                " extract(epoch FROM (attempts->0->>'started_at')::timestamptz)::float8"
                " AS recorded, jsonb_array_length(attempts) AS attempts"
                " FROM executions WHERE job_id = %s AND result ? 'startedAt'",
                (job_id,),
            ).fetchall()
    lags = [(r["started"] - r["due"]) * 1000 for r in rows]
    out = summary(lags, {str(r["id"]): r["attempts"] for r in rows}, runs)
    # Where the lag is spent: due -> the attempt's recorded start (the claim, for a run
    # claimed when due; its start, for one claimed ahead), and that -> the handler body.
    recorded = summary([(r["recorded"] - r["due"]) * 1000 for r in rows], {}, runs)
    handoff = summary([(r["started"] - r["recorded"]) * 1000 for r in rows], {}, runs)
    for key in ("p50", "p99"):
        out[f"recorded_{key}"], out[f"handoff_{key}"] = recorded[key], handoff[key]
    return out


def celery(python: Path, redis_url: str, runs: int, spread_s: float) -> dict[str, Any]:
    with peer_env(python, "celery", redis_url) as env:
        prefix = env["BENCH_PREFIX"]
        argv = [
            *(str(python.parent / "celery"), "-A", "celery_app", "worker", "--pool", "threads"),
            *("-c", str(SLOTS), "--without-gossip", "--without-mingle", "--without-heartbeat"),
            *("-Q", prefix, "-l", "warning"),
        ]
        procs = [
            subprocess.Popen(
                [*argv, "-n", f"lag{i}@%h"],
                env=env,
                cwd=OTHERS,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for i in range(WORKERS)
        ]
        client = connect(env["BENCH_BROKER"])
        try:
            due = _due_times(runs, spread_s)
            subprocess.run(
                [str(python), "-c", "import celery_app; celery_app.enqueue_due_from_stdin()"],
                input=json.dumps([t.timestamp() for t in due]),
                text=True, env=env, cwd=OTHERS, check=True,
            )  # fmt: skip
            key = f"{prefix}:times"
            _wait_until(due[-1] + timedelta(seconds=GRACE_S), lambda: client.llen(key) >= runs)
            lags, starts = [], {}
            for entry in client.lrange(key, 0, -1):
                i, due_ts, started, _ = entry.split()
                starts[i] = starts.get(i, 0) + 1
                if starts[i] == 1:
                    lags.append((float(started) - float(due_ts)) * 1000)
            return summary(lags, starts, runs)
        finally:
            client.close()
            for p in procs:
                p.terminate()
            for p in procs:
                try:
                    p.wait(20)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()


def measure(runs: int = 2_000, spread_s: float = 20.0, repeat: int = 3) -> dict[str, Any]:
    python = venv.bench_python()
    raw: dict[str, list[dict[str, Any]]] = {"job_scheduler": [], "celery_eta": []}
    with private_redis() as redis_url:
        for _ in range(repeat):
            raw["job_scheduler"].append(ours(redis_url, runs, spread_s))
            raw["celery_eta"].append(
                celery(python, redis_url, runs, spread_s)
                if python
                else {"complete": False, "error": ".venv-bench could not be made"}
            )
    summaries = {name: fair.summarise(r, KEYS) for name, r in raw.items()}
    ours_p99 = fair.median_of(summaries["job_scheduler"], "p99")
    celery_p99 = fair.median_of(summaries["celery_eta"], "p99")
    return {
        "workload": {
            "runs": runs,
            "spread_s": spread_s,
            "workers": WORKERS,
            "slots_per_worker": SLOTS,
            "repeat": repeat,
        },
        "systems": {name: {"runs": raw[name], "summary": summaries[name]} for name in raw},
        # The goal: our p99 no worse than Celery's ETA p99 (medians over complete repeats).
        "p99_goal_met": None if ours_p99 is None or celery_p99 is None else ours_p99 <= celery_p99,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=2_000)
    parser.add_argument("--spread", type=float, default=20.0, help="seconds")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="toy sizes, nothing written")
    args = parser.parse_args()
    if args.quick:
        args.runs, args.spread, args.repeat = 50, 2.0, 1
    results = {
        "when": datetime.now(UTC).isoformat(),
        **measure(args.runs, args.spread, args.repeat),
    }
    print(json.dumps(results, indent=2))
    if not args.quick:
        print(f"written to {write_results('start_lag', results)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
