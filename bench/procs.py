"""The one way benchmarks start this project's processes: N workers (through the local
stack's ``WorkerPool``, so they are started as ``make up`` starts them) and optionally
a tick, each ``python -m jobsched ...`` against a scratch database and key prefix.

With ``statements_dir`` the processes run as ``python -m bench.counted`` (the same CLI
with PostgreSQL statements counted, see bench/counted.py).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bench.scratch import Scratch
from infra.local.workers import WorkerPool

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Processes:
    pool: WorkerPool
    tick: subprocess.Popen[bytes] | None = None
    env: dict[str, str] = field(default_factory=dict)

    @property
    def worker_pids(self) -> list[int]:
        return list(self.pool.pids.values())


def jobsched_env(scr: Scratch, **overrides: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": scr.database_url,
        "REDIS_URL": scr.redis_url,
        "REDIS_KEY_PREFIX": scr.prefix,
        "PYTHONPATH": str(ROOT),
        **overrides,
    }


@contextlib.contextmanager
def jobsched_processes(
    scr: Scratch,
    workers: int = 2,
    *,
    tick: bool = True,
    slots: int = 25,
    statements_dir: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> Iterator[Processes]:
    """``workers`` worker processes with ``slots`` each, and a looping tick if ``tick``;
    all stopped (SIGTERM, then SIGKILL after a short grace) on leaving."""
    environ = jobsched_env(scr, MAX_CONCURRENT_JOBS=str(slots), **(env or {}))
    module = "jobsched"
    if statements_dir is not None:
        environ["BENCH_STATEMENTS_DIR"] = str(statements_dir)
        module = "bench.counted"
    pool = WorkerPool(
        workers,
        grace_ms=5_000,
        env=environ,
        cwd=ROOT,
        command=[sys.executable, "-m", module, "worker"],
        restart=False,
    )
    procs = Processes(pool, env=environ)
    try:
        pool.start()
        if tick:
            procs.tick = subprocess.Popen(
                [sys.executable, "-m", module, "tick"],
                env={**environ, "SCHEDULER_INSTANCE_ID": "bench-tick"},
                cwd=ROOT,
                stdin=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        yield procs
    finally:
        if procs.tick is not None:
            procs.tick.send_signal(signal.SIGTERM)
            try:
                procs.tick.wait(15)
            except subprocess.TimeoutExpired:
                procs.tick.kill()
                procs.tick.wait()
        pool.stop()
