"""`make mutate`: mutation testing of the pure modules, scored.

mutmut (configured in pyproject.toml, ``[tool.mutmut]``) changes the code of the pure
domain modules and of ``jobsched/sanitize.py`` one small edit at a time (a ``<`` made
``<=``, a constant changed, a string replaced) and runs their unit tests against each
change. A mutant the tests catch is *killed*; one they pass is a *survivor*: either a
test is missing, or the change does not alter behaviour (an *equivalent* mutant; those
are listed with their reason in docs/reliability.md#mutation-testing).

Prints each module's counts and the score (killed, timeouts included, over all
mutants), writes bench/results/mutate.json and exits 1 under ``THRESHOLD``. About seven
minutes on the 2-CPU development machine; not part of ``make test``.

``--module jobsched/domain/cron.py`` (repeatable) tests only that module's mutants, to
work on its tests without waiting for the others: it prints the same table and writes
nothing unless ``--out`` names a file (bench/results/mutate.json holds whole runs only).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "results" / "mutate.json"
THRESHOLD = 0.85
DETECTED = {"killed", "timeout"}
"""A mutant that made the tests time out was caught too (it looped, say)."""


def commit() -> str:
    """HEAD's short hash, marked when the tree has local changes."""

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()

    dirty = git("status", "--porcelain", "--untracked-files=no")
    return git("rev-parse", "--short", "HEAD") + ("+dirty" if dirty else "")


def mutmut(*args: str, quiet: bool = False) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mutmut", *args],
        cwd=ROOT,
        text=True,
        capture_output=quiet,
        check=False,
    )


def results() -> dict[str, str]:
    """mutant name -> status, from ``mutmut results --all true``."""
    out = mutmut("results", "--all", "true", quiet=True).stdout
    statuses = {}
    for line in out.splitlines():
        name, sep, status = line.strip().rpartition(": ")
        if sep:
            statuses[name] = status
    return statuses


def module_of(mutant: str) -> str:
    # jobsched.domain.due.x_plan__mutmut_12 -> jobsched/domain/due.py, and a method's
    # (x, then ǁ around its class): jobsched.domain.flow.xǁKeyMissingǁ__init____mutmut_1
    return re.split(r"\.x[_ǁ]", mutant, maxsplit=1)[0].replace(".", "/") + ".py"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2, help="mutants tested at once")
    parser.add_argument("--out", type=Path, default=None, help=f"default: {OUT.name}")
    parser.add_argument(
        "--module", action="append", default=[], help="only this module's mutants (a path)"
    )
    args = parser.parse_args()
    if args.out is None and not args.module:
        args.out = OUT

    # A fresh copy each time: mutmut reuses results of an earlier run otherwise, and
    # a test added since would not be run against the mutants it kills.
    shutil.rmtree(ROOT / "mutants", ignore_errors=True)
    began = time.monotonic()
    names = [m.removesuffix(".py").replace("/", ".") + ".*" for m in args.module]
    run = mutmut("run", "--max-children", str(args.jobs), *names, quiet=True)
    seconds = round(time.monotonic() - began)
    statuses = results()
    if args.module:  # mutants of the other modules were made but not tested
        statuses = {n: s for n, s in statuses.items() if module_of(n) in args.module}
    if not statuses:
        print(run.stdout[-2000:], run.stderr[-2000:], sep="\n", file=sys.stderr)
        print("mutmut produced no results", file=sys.stderr)
        return 2

    per_module: dict[str, Counter[str]] = defaultdict(Counter)
    survivors: dict[str, list[str]] = defaultdict(list)
    for name, status in sorted(statuses.items()):
        per_module[module_of(name)][status] += 1
        if status not in DETECTED:
            survivors[module_of(name)].append(f"{name}: {status}")

    total = len(statuses)
    detected = sum(1 for s in statuses.values() if s in DETECTED)
    score = detected / total
    width = max(len(m) for m in per_module)
    print(f"{'module':<{width}}  mutants  killed  survived  score")
    for module, counts in sorted(per_module.items()):
        n = sum(counts.values())
        k = sum(counts[s] for s in DETECTED)
        print(f"{module:<{width}}  {n:7}  {k:6}  {n - k:8}  {k / n:6.1%}")
    print(f"{'all':<{width}}  {total:7}  {detected:6}  {total - detected:8}  {score:6.1%}")
    for names in survivors.values():
        for name in names:
            print(f"  survived  {name}")

    ok = score >= THRESHOLD
    report = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": commit(),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "seconds": seconds,
        "threshold": THRESHOLD,
        "ok": ok,
        "mutants": total,
        "killed": detected,
        "score": round(score, 4),
        "modules": {
            m: {"mutants": sum(c.values()), **dict(sorted(c.items()))}
            for m, c in sorted(per_module.items())
        },
        "survivors": {m: names for m, names in sorted(survivors.items())},
    }
    verdict = "ok" if ok else f"FAILED: under {THRESHOLD:.0%}"
    print(f"\nmutation score {score:.1%} ({detected}/{total}) in {seconds} s: {verdict}")
    if args.out is not None:
        args.out.write_text(json.dumps(report, indent=2) + "\n")
        print(f"written to {args.out}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
