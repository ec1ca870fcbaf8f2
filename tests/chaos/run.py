"""``make chaos``: kill and restart things under load, print what survived.

    .venv/bin/python -m tests.chaos.run [--runs 3000] [--keep]

On private Redis and PostgreSQL servers, with real tick and worker processes:
workers SIGKILLed every few seconds during a few thousand runs; the leading tick
SIGKILLed while a per-second cron job runs; Redis restarted empty and PostgreSQL
restarted mid-run; a worker stopped with SIGTERM while its work outlasts the grace.
Prints a table, writes ``bench/results/chaos.json``, and exits 1 if any run was lost,
a per-second occurrence ran twice or went missing, a run ran twice outside the
documented duplicate window, or a killed worker's runs were not finished elsewhere in
time, or a run went missing from Redis until the tick's periodic reconcile found it.
``docs/reliability.md`` explains each figure.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from jobsched.settings import describe
from tests.chaos.cluster import ROOT, Cluster
from tests.chaos.scenarios import (
    Chaos,
    Outcome,
    leader_killed,
    service_restart,
    sigterm_hand_back,
    worker_sigkill,
)

RESULTS = ROOT / "bench" / "results" / "chaos.json"
SCENARIOS = ("sigkill", "leader", "redis", "postgres", "sigterm")
COLUMNS = ("scenario", "runs", "lost", "ran twice", "in flight", "outside", "recovery", "")


def environment_overrides() -> dict[str, str]:
    """Settings changed through this process's environment (they reach every process)."""
    ignore = {"DATABASE_URL", "REDIS_URL", "REDIS_KEY_PREFIX", "WORKER_ID"}
    names = [name for name, _, _ in describe() if name not in ignore]
    return {n: os.environ[n] for n in names if os.environ.get(n)}


def commit() -> str:
    """The code measured: HEAD's short hash, marked when the tree has local changes."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return "unknown"
    return f"{head}+changes" if dirty else head or "unknown"


def table(outcomes: list[Outcome]) -> str:
    rows = [COLUMNS]
    for o in outcomes:
        f = o.figures
        rows.append(
            (
                o.name,
                str(f["runs"]),
                str(f["lost"]),
                str(f["ran_twice"]),
                str(f["interrupted_in_flight"]),
                str(f["duplicates_outside_window"]),
                o.recovery,
                "ok" if o.ok else "FAILED",
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(COLUMNS))]
    lines = []
    for r in rows:
        cells = [
            c.ljust(w) if i in (0, 6) else c.rjust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3000, help="runs of the SIGKILL scenario")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where to write the figures")
    parser.add_argument("--keep", action="store_true", help="keep the servers' directory")
    parser.add_argument("--only", nargs="*", choices=SCENARIOS, help="run only these scenarios")
    args = parser.parse_args(argv)

    began = time.monotonic()
    overrides = environment_overrides()
    print("chaos: private Redis and PostgreSQL, real tick and worker processes", flush=True)
    print("settings: defaults" + "".join(f", {k}={v}" for k, v in overrides.items()))
    cluster = Cluster(program="tests.chaos.marks")
    chaos = Chaos(cluster)
    outcomes: list[Outcome] = []
    every = {
        "sigkill": lambda: worker_sigkill(chaos, runs=args.runs),
        "leader": lambda: leader_killed(chaos),
        "redis": lambda: service_restart(chaos, "redis"),
        "postgres": lambda: service_restart(chaos, "postgres"),
        "sigterm": lambda: sigterm_hand_back(chaos),
    }
    scenarios = [every[name] for name in args.only or SCENARIOS]
    try:
        for scenario in scenarios:
            outcome = scenario()
            cluster.stop_processes(signal.SIGTERM)
            stranded = chaos.take_stranded()
            outcome.figures["stranded_until_reconcile"] = stranded
            if stranded:
                outcome.problems.append(
                    f"{stranded} run(s) went missing from Redis and waited for the 30 s reconcile"
                )
            outcomes.append(outcome)
            extra = "".join(f" {k}={v}" for k, v in outcome.overrides.items())
            verdict = "ok" if outcome.ok else "FAILED: " + "; ".join(outcome.problems)
            print(f"  {outcome.name} ({outcome.seconds:.0f} s{extra}): {verdict}", flush=True)
    finally:
        chaos.close()
        failed = any(not o.ok for o in outcomes) or len(outcomes) < len(scenarios)
        cluster.stop(keep=args.keep)
    ok = not failed
    print()
    print(table(outcomes))
    results = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": commit(),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "settings": {"defaults_except": overrides},
        "seconds": round(time.monotonic() - began),
        "ok": ok,
        "scenarios": [
            {
                "name": o.name,
                "ok": o.ok,
                "overrides": o.overrides,
                "seconds": round(o.seconds, 1),
                "figures": o.figures,
                "problems": o.problems,
            }
            for o in outcomes
        ],
    }
    args.out.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(f"\n{'ok' if ok else 'FAILED'} in {results['seconds']} s; written to {args.out}")
    if not ok and not args.keep:
        print("run again with --keep to keep the processes' logs under .local/chaos-*/logs")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
