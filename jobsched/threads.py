"""Reusable threads for the worker's handlers.

Starting a thread per run costs more than a no-op handler does. Threads here are kept
and reused; a run goes to an idle thread, or to a new one when none is idle, so a
handler that never returns (timed out, deaf to its context) keeps its own thread and
never delays another run: capacity is counted by the worker, not by the threads.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger("jobsched.threads")


class Threads:
    def __init__(self, keep: int, name: str = "job") -> None:
        self._keep = keep
        """Idle threads kept for the next runs (the worker's capacity)."""
        self._name = name
        self._tasks: queue.SimpleQueue[tuple[Callable[..., Any], tuple[Any, ...]]] = (
            queue.SimpleQueue()
        )
        self._lock = threading.Lock()
        self._idle = 0
        self._started = 0

    def submit(self, fn: Callable[..., Any], *args: Any) -> None:
        """Run ``fn(*args)`` on an idle thread, or on a new one if none is idle."""
        with self._lock:
            # Each task either takes one idle thread or brings its own, so no task
            # ever waits behind a busy handler.
            spawn = self._idle == 0
            if spawn:
                self._started += 1
                name = f"{self._name}-{self._started}"
            else:
                self._idle -= 1
        self._tasks.put((fn, args))
        if spawn:
            threading.Thread(target=self._serve, name=name, daemon=True).start()

    def _serve(self) -> None:
        while True:
            fn, args = self._tasks.get()
            try:
                fn(*args)
            except BaseException:  # the worker records outcomes itself; never lose a thread
                log.exception("handler thread task failed")
            with self._lock:
                if self._idle >= self._keep:
                    return
                self._idle += 1
