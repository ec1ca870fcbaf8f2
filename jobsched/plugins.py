"""The public API for your own handlers: ``from jobsched import handler``.

A handler is a function ``fn(payload: dict, ctx) -> JSON-able``::

    from jobsched import FailNow, RetryLater, handler

    @handler("reports.build", schema={"type": "object", "required": ["day"]})
    def build(payload, ctx):
        ctx.check()                      # raises if cancelled or out of time
        if not ready(payload["day"]):
            raise RetryLater("data not in yet", delay_ms=60_000)
        if payload["day"] < "2020":
            raise FailNow("too old")     # no retries, straight to the dead-letter queue
        return {"built": payload["day"]}

Decorating only declares the handler; it is registered when a worker loads its
module (``HANDLER_MODULES`` or the ``jobsched.handlers`` entry-point group, see
``jobsched.loader``). The decorator returns the function unchanged, so it stays
importable by name, which process isolation relies on.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import Any

from jobsched.registry import (
    ISOLATIONS,
    Handler,
    HandlerCancelled,
    HandlerContext,
    HandlerTimeout,
    RunFn,
    check_flow,
    check_overridable,
    schema_validator,
)
from jobsched.settings import POOL_NAME

Context = HandlerContext
"""What a running handler gets as ``ctx`` (execution id, attempt, deadline, ...)."""


class RetryLater(Exception):
    """This attempt failed but may succeed later: retried per the job's ``max_retries``,
    after ``delay_ms`` when given (else the job's backoff)."""

    def __init__(self, message: str = "retry later", *, delay_ms: int | None = None) -> None:
        super().__init__(message)
        self.delay_ms = delay_ms


class FailNow(Exception):
    """The run cannot succeed: it fails now, without retries, into the dead-letter queue."""


HANDLER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,199}$")
"""Names travel in lists (a worker's registration, Redis), so no commas or spaces."""

_declared: dict[str, list[Handler]] = {}
"""Declared handlers by the module defining them (kept: a module is imported once
per process, but several registries may load it, as tests do)."""
_declared_lock = threading.Lock()


def handler(
    name: str,
    *,
    schema: dict[str, Any] | None = None,
    pool: str = "default",
    isolation: str = "thread",
    description: str | None = None,
    overridable: tuple[str, ...] = (),
    concurrency: dict[str, Any] | None = None,
    rate: dict[str, Any] | None = None,
    debounce: dict[str, Any] | None = None,
    singleton: dict[str, Any] | None = None,
) -> Callable[[RunFn], RunFn]:
    """Declare ``fn`` as the handler ``name``. ``schema``: a JSON Schema its payload
    must match (checked by the API when a job is created); ``pool``: the pool its jobs
    run on unless a job names another; ``isolation``: ``"thread"`` (in the worker's
    process, for I/O-bound work) or ``"process"`` (a child process per run: a timeout
    kills it, a crash fails only the attempt); ``overridable``: the top-level payload
    fields a trigger by an ``operate`` key may override for one run (default none:
    any override then needs an ``admin`` key; ``("*",)``: any field). ``concurrency``,
    ``rate``, ``debounce``, ``singleton``: flow-control defaults for the jobs that
    declare none of that control (as a job's fields: ``{"key": ..., "limit": 2}``)."""
    if not isinstance(name, str) or not HANDLER_NAME.match(name):
        raise ValueError(f"handler name {name!r} must match {HANDLER_NAME.pattern}")
    if isolation not in ISOLATIONS:
        raise ValueError(f"handler {name!r}: isolation must be one of {', '.join(ISOLATIONS)}")
    if not POOL_NAME.match(pool):
        raise ValueError(f"handler {name!r}: pool {pool!r} must match {POOL_NAME.pattern}")
    validate = schema_validator(name, schema)
    fields = check_overridable(name, overridable)
    controls = check_flow(
        name,
        {"concurrency": concurrency, "rate": rate, "debounce": debounce, "singleton": singleton},
    )

    def decorator(fn: RunFn) -> RunFn:
        text = description if description is not None else (fn.__doc__ or "").strip()
        spec = Handler(name, fn, validate, text, schema, pool, isolation, fields, controls)
        with _declared_lock:
            _declared.setdefault(fn.__module__, []).append(spec)
        return fn

    return decorator


def declared_in(module: str) -> list[Handler]:
    """Handlers declared in ``module`` or its submodules (a package that imports its
    ``tasks`` module declares those too)."""
    with _declared_lock:
        return [
            spec
            for name, specs in _declared.items()
            if name == module or name.startswith(module + ".")
            for spec in specs
        ]


__all__ = [
    "Context",
    "FailNow",
    "HandlerCancelled",
    "HandlerTimeout",
    "RetryLater",
    "handler",
]
