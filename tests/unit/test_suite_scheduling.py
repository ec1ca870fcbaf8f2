"""`make test` runs pytest on two xdist workers; the tests that start stacks, browsers
or servers must stay together on one (tests/conftest.py), or each worker starts its
own and the suite takes longer than running on one. xdist's own group marks silently
group nothing under pytest 9, so this runs a small suite the way `make test` does."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_stack_tests_run_on_one_worker_and_the_rest_is_shared() -> None:
    grouped = "tests/chaos/test_figures.py"  # 13 quick tests, no servers
    spread = "tests/unit/test_due.py"
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadgroup", "-v", grouped, spread],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    workers: dict[str, set[str]] = defaultdict(set)
    for worker, nodeid in re.findall(r"^\[(gw\d)\] \[ *\d+%\] PASSED (\S+)", run.stdout, re.M):
        workers[nodeid.split("::")[0]].add(worker)
    assert set(workers) == {grouped, spread}, run.stdout[-3000:]
    assert len(workers[grouped]) == 1, workers
