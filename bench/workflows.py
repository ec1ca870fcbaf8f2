"""Workflows against Celery's canvas (issue 23): the step-to-step latency along a chain
of 20 no-op steps, and the time of a fan-out of 1,000 items with a fan-in, each measured
inside the handler bodies, for both systems in the same run.

    .venv/bin/python -m bench.workflows [--chains 20] [--items 1000] [--repeat 3] [--quick]

- Job Scheduler: a workflow of 20 ``bench.stamp`` steps, each after the one before (its
  body reads the clock first and returns it as its result); ``--chains`` runs, one at a
  time. An edge's latency is the start of a step's body minus the start of the body
  before it (the step's end recorded with its advancement in one transaction, the next
  step pushed and claimed). The fan-out: a workflow whose ``fan`` step runs once per
  item of the trigger's input (``for_each``) and whose ``join`` step waits for all of
  them; its time is the start of ``join``'s body minus the trigger.
- Celery: ``chain(link.si(...) x 20)`` and ``chord(group(item.si(i) x N), join.s())``
  (bench/others/celery_flow.py, Redis broker and result backend), the same number of
  each, one at a time, the same clock readings.

Both on 2 worker processes x 8 slots on the benchmark's private redis-server; ours on a
scratch database, with its tick. A repeat is complete when every chain and fan-out ended
(ours: SUCCEEDED) within its timeout. Writes bench/results/workflows.json (not with
``--quick``). The goal: our p50 edge latency under 10 ms. Nothing asserts a timing.
"""

from __future__ import annotations

import argparse
import itertools
import json
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import fair, venv  # noqa: E402
from bench.drain import OTHERS, STAMP_MODULE, WORKERS, peer_env, registry  # noqa: E402
from bench.procs import jobsched_processes  # noqa: E402
from bench.scratch import Scratch, scratch, write_results  # noqa: E402
from bench.throughput import private_redis  # noqa: E402
from jobsched.clock import SystemClock  # noqa: E402
from jobsched.handler_settings import HandlerSettings  # noqa: E402
from jobsched.queue.redis_queue import connect  # noqa: E402
from jobsched.workflow_life import WorkflowLife  # noqa: E402

SLOTS = 8
STEPS = 20
TIMEOUT_S = 120.0
KEYS = ("edge_p50_ms", "edge_p99_ms", "fan_out_s")
ENDED = ("SUCCEEDED", "FAILED", "CANCELLED")


def percentiles(values: list[float]) -> dict[str, float | None]:
    ordered = sorted(values)

    def pct(p: float) -> float | None:
        if not ordered:
            return None
        return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))], 2)

    return {"p50": pct(0.50), "p99": pct(0.99), "max": pct(1.0)}


def edges(starts: list[list[float]]) -> list[float]:
    """Each chain's step-to-step latencies (ms), from its steps' start times in order."""
    return [(b - a) * 1000 for run in starts for a, b in itertools.pairwise(run)]


def figures(chain_starts: list[list[float]], fan_s: list[float], chains: int, fans: int) -> dict:
    """One repeat's figures; complete only when every chain and fan-out ended."""
    lat = percentiles(edges(chain_starts))
    whole = [len(r) == STEPS for r in chain_starts]
    return {
        "complete": len(chain_starts) == chains and all(whole) and len(fan_s) == fans,
        "chains": len(chain_starts),
        "edges": sum(len(r) - 1 for r in chain_starts),
        "edge_p50_ms": lat["p50"],
        "edge_p99_ms": lat["p99"],
        "edge_max_ms": lat["max"],
        "fan_out_s": round(sorted(fan_s)[len(fan_s) // 2], 3) if fan_s else None,
    }


# ----------------------------------------------------------------------- ours


def _life(scr: Scratch) -> WorkflowLife:
    return WorkflowLife(scr.store, scr.queue, registry(), HandlerSettings(), SystemClock(), "bench")


def _ended(scr: Scratch, run_id: str) -> str | None:
    """The run's status once it ended (None: not within TIMEOUT_S). Polled with one
    light read every 20 ms: the edges are timed in the handler bodies, so the poll only
    has to stay out of their way (the CPU is shared)."""
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        with scr.store.statement() as conn:
            row = conn.execute("SELECT status FROM workflow_runs WHERE id = %s", (run_id,))
            status = row.fetchone()["status"]
        if status in ENDED:
            return status
        time.sleep(0.02)
    return None


def _starts(scr: Scratch, run_id: str) -> dict[str, list[float]]:
    with scr.store.tx() as conn:
        rows = conn.execute(
            "SELECT step_id, (result->>'startedAt')::float8 AS t FROM executions"
            " WHERE workflow_run_id = %s AND status = 'SUCCEEDED' ORDER BY step_id, step_item",
            (run_id,),
        ).fetchall()
    out: dict[str, list[float]] = {}
    for r in rows:
        out.setdefault(r["step_id"], []).append(r["t"])
    return out


def ours(redis_url: str, chains: int, items: int) -> dict[str, Any]:
    env = {"HANDLER_MODULES": STAMP_MODULE}
    with (
        scratch("wf", redis_url) as scr,
        jobsched_processes(scr, WORKERS, tick=True, slots=SLOTS, env=env),
    ):
        life = _life(scr)
        ids = [f"s{i:02d}" for i in range(STEPS)]
        steps = [{"id": ids[0], "handler": "bench.stamp"}]
        pairs = itertools.pairwise(ids)
        steps += [{"id": s, "handler": "bench.stamp", "after": [p]} for p, s in pairs]
        chain = life.create({"name": "chain", "steps": steps})
        fan = life.create(
            {
                "name": "fan",
                "steps": [
                    {"id": "fan", "handler": "bench.stamp", "for_each": {"$ref": "input.items"}},
                    {"id": "join", "handler": "bench.stamp", "after": ["fan"]},
                ],
            }
        )
        chain_starts: list[list[float]] = []
        for _ in range(chains):
            run_id = life.trigger(chain["id"], None)["id"]
            if _ended(scr, run_id) != "SUCCEEDED":
                break
            found = _starts(scr, run_id)
            chain_starts.append([found[s][0] for s in ids if s in found])
        fan_s: list[float] = []
        sent = time.time()
        run_id = life.trigger(fan["id"], {"input": {"items": list(range(items))}})["id"]
        if _ended(scr, run_id) == "SUCCEEDED":
            fan_s.append(_starts(scr, run_id)["join"][0] - sent)
    return {"items": items, **figures(chain_starts, fan_s, chains, 1)}


# --------------------------------------------------------------------- Celery


def celery(python: Path, redis_url: str, chains: int, items: int) -> dict[str, Any]:
    with peer_env(python, "celery", redis_url) as env:
        prefix = env["BENCH_PREFIX"]
        argv = [
            *(str(python.parent / "celery"), "-A", "celery_flow", "worker", "--pool", "threads"),
            *("-c", str(SLOTS), "--without-gossip", "--without-mingle", "--without-heartbeat"),
            *("-Q", prefix, "-l", "warning"),
        ]
        procs = [
            subprocess.Popen(
                [*argv, "-n", f"flow{i}@%h"],
                env=env,
                cwd=OTHERS,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for i in range(WORKERS)
        ]
        client = connect(env["BENCH_BROKER"])
        try:
            code = f"import celery_flow; celery_flow.run_chains({chains}, {STEPS}, {TIMEOUT_S})"
            subprocess.run([str(python), "-c", code], env=env, cwd=OTHERS, check=True)
            times: dict[int, float] = {}
            for entry in client.lrange(f"{prefix}:times", 0, -1):
                i, _, started, _ = entry.split()
                times.setdefault(int(i), float(started))
            chain_starts = [
                [times[r * 100 + s] for s in range(STEPS) if r * 100 + s in times]
                for r in range(chains)
                if r * 100 in times
            ]
            client.delete(f"{prefix}:times")
            code = f"import celery_flow; celery_flow.run_chords(1, {items}, {TIMEOUT_S})"
            subprocess.run([str(python), "-c", code], env=env, cwd=OTHERS, check=True)
            sent = {
                int(i): float(t)
                for i, t in (e.split() for e in client.lrange(f"{prefix}:sent", 0, -1))
            }
            fan_s = []
            for entry in client.lrange(f"{prefix}:times", 0, -1):
                r, n, started, _ = entry.split()
                if float(n) == items:
                    fan_s.append(float(started) - sent[int(r)])
            return {"items": items, **figures(chain_starts, fan_s, chains, 1)}
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


def measure(chains: int = 20, items: int = 1_000, repeat: int = 3) -> dict[str, Any]:
    python = venv.bench_python()
    raw: dict[str, list[dict[str, Any]]] = {"job_scheduler": [], "celery_canvas": []}
    with private_redis() as redis_url:
        for _ in range(repeat):
            raw["job_scheduler"].append(ours(redis_url, chains, items))
            raw["celery_canvas"].append(
                celery(python, redis_url, chains, items)
                if python
                else {"complete": False, "error": ".venv-bench could not be made"}
            )
    summaries = {name: fair.summarise(r, KEYS) for name, r in raw.items()}
    p50 = fair.median_of(summaries["job_scheduler"], "edge_p50_ms")
    return {
        "workload": {
            "chain_steps": STEPS,
            "chains": chains,
            "fan_out_items": items,
            "workers": WORKERS,
            "slots_per_worker": SLOTS,
            "repeat": repeat,
        },
        "systems": {name: {"runs": raw[name], "summary": summaries[name]} for name in raw},
        # The goal (issue 23): our p50 step-to-step latency under 10 ms.
        "p50_goal_met": None if p50 is None else p50 < 10,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chains", type=int, default=20)
    parser.add_argument("--items", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="toy sizes, nothing written")
    args = parser.parse_args()
    if args.quick:
        args.chains, args.items, args.repeat = 3, 50, 1
    results = {
        "when": datetime.now(UTC).isoformat(),
        **measure(args.chains, args.items, args.repeat),
    }
    print(json.dumps(results, indent=2))
    if not args.quick:
        print(f"written to {write_results('workflows', results)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
