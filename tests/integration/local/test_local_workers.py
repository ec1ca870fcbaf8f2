"""The worker pool: real subprocesses, SIGTERM then SIGKILL, restart after a crash."""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path

from infra.local.workers import WorkerPool

# A stand-in worker: reports its WORKER_ID, then waits for SIGTERM (or ignores it).
WORKER = """
import os, signal, sys, threading
stop = threading.Event()
if sys.argv[2] == "polite":
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
else:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
out = os.path.join(sys.argv[1], os.environ["WORKER_ID"] + "." + str(os.getpid()))
with open(out + ".tmp", "w") as f:  # rename: the test never sees a half-written file
    f.write(os.environ.get("MARKER", "") + " " + os.environ.get("WORKER_POOLS", ""))
os.replace(out + ".tmp", out)
stop.wait()
open(out + ".stopped", "w").close()
"""


def wait_for(predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)  # polling files a subprocess writes
    return False


def reports(tmp_path: Path) -> list[Path]:
    return [p for p in tmp_path.glob("*worker-*") if p.suffix not in {".tmp", ".stopped"}]


def pool(
    tmp_path: Path, mode: str, count: int | dict[str, int] = 2, grace_ms: int = 5_000
) -> WorkerPool:
    return WorkerPool(
        count,
        grace_ms=grace_ms,
        env={**os.environ, "MARKER": "inherited"},
        command=[sys.executable, "-c", WORKER, str(tmp_path), mode],
        restart_pause_s=0.05,
        kill_margin_s=0.2,
    )


def test_workers_get_ids_and_env_and_stop_on_sigterm(tmp_path: Path) -> None:
    workers = pool(tmp_path, "polite")
    workers.start()
    try:
        assert wait_for(lambda: len(reports(tmp_path)) == 2)
        assert sorted(p.name.split(".")[0] for p in reports(tmp_path)) == ["worker-1", "worker-2"]
        assert all(p.read_text() == "inherited default" for p in reports(tmp_path))
    finally:
        workers.stop()
    assert len(list(tmp_path.glob("*.stopped"))) == 2  # each exited through its handler
    assert workers.pids == {}


def test_workers_start_per_pool_each_serving_its_pool(tmp_path: Path) -> None:
    workers = pool(tmp_path, "polite", count={"default": 2, "reports": 1})
    workers.start()
    try:
        assert wait_for(lambda: len(reports(tmp_path)) == 3)
        served = {p.name.split(".")[0]: p.read_text().split()[1] for p in reports(tmp_path)}
        assert served == {
            "worker-1": "default",
            "worker-2": "default",
            "reports-worker-1": "reports",
        }
    finally:
        workers.stop()


def test_a_worker_ignoring_sigterm_is_killed_after_the_grace(tmp_path: Path) -> None:
    workers = pool(tmp_path, "stubborn", count=1, grace_ms=200)
    workers.start()
    assert wait_for(lambda: len(reports(tmp_path)) == 1)
    started = time.monotonic()
    workers.stop()
    assert time.monotonic() - started < 3
    assert workers.pids == {}
    assert not list(tmp_path.glob("*.stopped"))


def test_a_worker_that_dies_is_restarted(tmp_path: Path) -> None:
    workers = pool(tmp_path, "polite", count=1)
    workers.start()
    try:
        assert wait_for(lambda: "worker-1" in workers.pids)
        first = workers.pids["worker-1"]
        os.kill(first, signal.SIGKILL)
        assert wait_for(lambda: workers.pids.get("worker-1") not in (None, first))
        assert workers.restarts["worker-1"] == 1
    finally:
        workers.stop()
