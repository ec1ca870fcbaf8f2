"""Reusable threads for the worker's handlers.

Starting a thread per run costs more than a no-op handler does. Threads here are kept
and reused; a run goes to an idle thread, or to a new one when none is idle, so a
handler that never returns (timed out, deaf to its context) keeps its own thread and
never delays another run: capacity is counted by the worker, not by the threads.

``LazyEvent``: each run's cancel flag, an Event that builds its condition on first use.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger("jobsched.threads")

_FIRST_USE = threading.Lock()


class LazyEvent(threading.Event):
    """A ``threading.Event`` whose condition is built on first ``set``, ``clear`` or
    ``wait``, not at construction. Every run gets a cancel flag (``ctx.cancelled``),
    most are only ever checked (``is_set`` reads the flag alone), and building a
    Condition costs more than a no-op handler's whole run."""

    def __init__(self) -> None:
        # Not Event.__init__: that builds the condition.
        self._flag = False

    def __getattr__(self, name: str) -> Any:
        # Only called while the attribute is missing: the condition, on first use. Built
        # under a lock, so threads using the event at once all share one condition.
        if name != "_cond":
            raise AttributeError(name)
        with _FIRST_USE:
            cond = self.__dict__.get("_cond")
            if cond is None:
                cond = self.__dict__["_cond"] = threading.Condition(threading.Lock())
        return cond


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
