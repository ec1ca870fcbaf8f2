"""The local workers: N ``python -m jobsched worker`` subprocesses per worker pool.

Workers are real processes, as on ECS, so killing one (``kill -9 <pid>``) exercises the
at-least-once path for real. Each runs in its own process group: a Ctrl-C in the terminal
reaches only the stack, which then stops the workers itself, after the API and the tick.
A worker that dies while the pool is running is restarted (with a growing pause, so a
worker that crashes at start-up does not spin).
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

log = logging.getLogger("infra.local.workers")

MAX_RESTART_PAUSE_S = 30.0
STABLE_AFTER_S = 60.0  # a worker that ran this long before dying gets a fresh back-off


class WorkerPool:
    """``count``: workers on the default pool, or a count per pool (``{"reports": 1}``);
    a pool's workers get ``WORKER_POOLS=<pool>`` and ids ``<pool>-worker-<n>``
    (``worker-<n>`` on the default pool).

    ``command_for(worker_id)``: the command of one worker instead of ``command`` (a
    ``podman run`` in the foreground, WORKER_RUNTIME=container); ``cleanup(worker_id)``
    runs after a worker that ignored SIGTERM was killed (its container outlives the
    killed ``podman`` client)."""

    def __init__(
        self,
        count: int | Mapping[str, int],
        *,
        grace_ms: int = 30_000,
        env: Mapping[str, str] | None = None,
        cwd: str | Path | None = None,
        command: Sequence[str] | None = None,
        restart: bool = True,
        restart_pause_s: float = 1.0,
        kill_margin_s: float = 2.0,
        command_for: Callable[[str], Sequence[str]] | None = None,
        cleanup: Callable[[str], None] | None = None,
    ) -> None:
        self.counts = {"default": count} if isinstance(count, int) else dict(count)
        self.count = sum(self.counts.values())
        self.grace_s = grace_ms / 1000
        self._env = dict(os.environ if env is None else env)
        self._cwd = cwd
        self._command = list(command or [sys.executable, "-m", "jobsched", "worker"])
        self._restart = restart
        self._first_pause_s = restart_pause_s
        self._kill_margin_s = kill_margin_s
        self._command_for = command_for
        self._cleanup = cleanup
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._processes: dict[str, subprocess.Popen[bytes]] = {}
        self._pool_of: dict[str, str] = {}
        self._supervisors: list[threading.Thread] = []
        self.restarts: dict[str, int] = {}

    @property
    def pids(self) -> dict[str, int]:
        with self._lock:
            return {wid: p.pid for wid, p in self._processes.items() if p.poll() is None}

    def _ids(self) -> list[tuple[str, str]]:
        ids = []
        for pool, n in self.counts.items():
            prefix = "worker" if pool == "default" else f"{pool}-worker"
            ids += [(f"{prefix}-{i}", pool) for i in range(1, n + 1)]
        return ids

    def start(self) -> None:
        for worker_id, pool in self._ids():
            self._pool_of[worker_id] = pool
            self.restarts[worker_id] = 0
            self._spawn(worker_id)
            thread = threading.Thread(
                target=self._supervise, args=(worker_id,), name=f"supervise-{worker_id}"
            )
            thread.daemon = True
            thread.start()
            self._supervisors.append(thread)

    def _spawn(self, worker_id: str) -> bool:
        env = {**self._env, "WORKER_ID": worker_id, "WORKER_POOLS": self._pool_of[worker_id]}
        # Checked under the lock stop() takes to collect processes: a worker is either
        # spawned before stop() looks, or not at all.
        with self._lock:
            if self._stopping.is_set():
                return False
            command = self._command_for(worker_id) if self._command_for else self._command
            process = subprocess.Popen(
                command, env=env, cwd=self._cwd, stdin=subprocess.DEVNULL, process_group=0
            )
            self._processes[worker_id] = process
        log.info("%s started (pid %s)", worker_id, process.pid)
        return True

    def _supervise(self, worker_id: str) -> None:
        pause = self._first_pause_s
        while True:
            with self._lock:
                process = self._processes[worker_id]
            started = time.monotonic()
            code = process.wait()
            if self._stopping.is_set():
                return
            log.warning("%s (pid %s) exited unexpectedly with %s", worker_id, process.pid, code)
            if not self._restart:
                return
            if time.monotonic() - started > STABLE_AFTER_S:
                pause = self._first_pause_s
            if self._stopping.wait(pause):
                return
            pause = min(pause * 2, MAX_RESTART_PAUSE_S)
            log.info("restarting %s", worker_id)
            if not self._spawn(worker_id):
                return
            self.restarts[worker_id] += 1

    def stop(self) -> None:
        """SIGTERM every worker, wait up to the grace period for running work, then SIGKILL."""
        self._stopping.set()
        with self._lock:
            processes = list(self._processes.items())
        for _, process in processes:
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    process.send_signal(signal.SIGTERM)
        # A little beyond the workers' own grace, so a worker that honours it exits by itself.
        deadline = time.monotonic() + self.grace_s + self._kill_margin_s
        for worker_id, process in processes:
            try:
                process.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("%s (pid %s) ignored SIGTERM; killing it", worker_id, process.pid)
                process.kill()
                process.wait()
                if self._cleanup:
                    self._cleanup(worker_id)
        for thread in self._supervisors:
            thread.join(5)
