"""The handler registry: job handlers plug in by name.

A handler is a function ``run(payload, ctx) -> result`` plus a ``validate(payload,
settings) -> {field: problem}`` used when a job is created, so a payload that does
not fit its handler is refused up front, naming the field (``payload.url``...).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from jobsched.settings import Settings

Validator = Callable[[dict[str, Any], Settings], dict[str, str]]
RunFn = Callable[[dict[str, Any], "HandlerContext"], Any]


class HandlerCancelled(Exception):
    """Raised inside a handler when its execution was cancelled."""


class HandlerTimeout(Exception):
    """Raised inside a handler when its ``timeout_ms`` ran out."""


@dataclass
class HandlerContext:
    """What a running handler may know and use.

    ``cancelled`` is set when the execution is cancelled or the worker must stop;
    long-running handlers call ``sleep``/``check`` (or watch the event) so they stop
    promptly. ``deadline`` is a ``time.monotonic()`` value.
    """

    execution_id: str
    job_id: str
    attempt: int
    deadline: float
    settings: Settings
    cancelled: threading.Event = field(default_factory=threading.Event)
    logger: logging.Logger | Any = field(default_factory=lambda: logging.getLogger("jobsched.job"))
    store: Any = None
    """The PostgreSQL store, for maintenance handlers such as ``system.cleanup``."""
    idempotency_key: str = ""
    """Stable across attempts and repeats of one occurrence (the job and its scheduled
    time) or keyed trigger: what a handler passes on so its target can deduplicate."""

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def check(self) -> None:
        if self.cancelled.is_set():
            raise HandlerCancelled("execution was cancelled")
        if self.remaining() <= 0:
            raise HandlerTimeout("timed out")

    def sleep(self, seconds: float) -> None:
        """Sleep, waking early (and raising) on cancel or timeout."""
        self.check()
        wait = min(seconds, max(self.remaining(), 0))
        if self.cancelled.wait(wait):
            raise HandlerCancelled("execution was cancelled")
        if wait < seconds:
            raise HandlerTimeout("timed out")


@dataclass(frozen=True)
class Handler:
    name: str
    run: RunFn
    validate: Validator
    description: str = ""


def _accept_any(payload: dict[str, Any], settings: Settings) -> dict[str, str]:
    return {}


class HandlerRegistry:
    def __init__(self) -> None:
        self._handlers: dict[str, Handler] = {}

    def register(
        self, name: str, validate: Validator | None = None, description: str = ""
    ) -> Callable[[RunFn], RunFn]:
        def decorator(fn: RunFn) -> RunFn:
            self.add(Handler(name, fn, validate or _accept_any, description or (fn.__doc__ or "")))
            return fn

        return decorator

    def add(self, handler: Handler) -> None:
        if handler.name in self._handlers:
            raise ValueError(f"handler {handler.name!r} is already registered")
        self._handlers[handler.name] = handler

    def get(self, name: str) -> Handler | None:
        return self._handlers.get(name)

    def names(self) -> list[str]:
        return sorted(self._handlers)

    def __contains__(self, name: object) -> bool:
        return name in self._handlers


_default: HandlerRegistry | None = None
_default_lock = threading.Lock()


def default_registry() -> HandlerRegistry:
    """The process-wide registry, with the built-in handlers loaded once."""
    global _default
    with _default_lock:
        if _default is None:
            from handlers import register_builtins

            registry = HandlerRegistry()
            register_builtins(registry)
            _default = registry
        return _default
