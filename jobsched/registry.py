"""The handler registry: job handlers plug in by name.

A handler is a function ``run(payload, ctx) -> result`` plus a ``validate(payload,
settings) -> {field: problem}`` (``settings``: the ``HandlerSettings``) used when a job
is created, so a payload that does not fit its handler is refused up front, naming the
field (``payload.url``...).
A handler may also carry a JSON Schema for its payload (checked the same way, and
published in the catalog so the API can check it without importing the handler),
the pool its jobs run on, and its isolation (``thread`` or ``process``).

The registry knows no handler itself: ``jobsched.loader`` (the composition root)
decides which modules are loaded into it, the built-ins included.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from jobsched.handler_settings import HandlerSettings
from jobsched.settings import Settings
from jobsched.threads import LazyEvent

ISOLATIONS = ("thread", "process")

Validator = Callable[[dict[str, Any], HandlerSettings], dict[str, str]]
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
    cancelled: threading.Event = field(default_factory=LazyEvent)
    logger: logging.Logger | Any = field(default_factory=lambda: logging.getLogger("jobsched.job"))
    store: Any = None
    """The PostgreSQL store, for maintenance handlers such as ``system.cleanup``."""
    idempotency_key: str = ""
    """Stable across attempts and repeats of one occurrence (the job and its scheduled
    time) or keyed trigger: what a handler passes on so its target can deduplicate."""
    handler_settings: HandlerSettings = field(default_factory=HandlerSettings)
    """What the built-in handlers read (shell and webhook allow-lists, a child's limits)."""
    inputs: dict[str, Any] = field(default_factory=dict)
    """A workflow step's upstream results: step id -> result (a fan-out's: the list of
    its items' results, in item order); empty for a job's run."""

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
    schema: dict[str, Any] | None = None
    """JSON Schema of the payload (None: the handler's ``validate`` is the only check)."""
    pool: str = "default"
    isolation: str = "thread"
    overridable: tuple[str, ...] = ()
    """Top-level payload fields a trigger by an ``operate`` key may override for one run
    (``"*"``: any); overriding any other field needs ``admin``. None by default: a
    handler opens only what is harmless to change (a message, a body), never where
    it sends or what it runs."""
    flow: dict[str, Any] | None = None
    """Flow-control defaults (``concurrency``, ``rate``, ``debounce``, ``singleton``) for
    jobs that declare none of that control themselves (jobsched/domain/flow.py)."""

    def describe(self) -> dict[str, Any]:
        """The handler's catalog entry: what the API and the dashboard may know of it."""
        return {
            "name": self.name,
            "description": self.description,
            "schema": self.schema,
            "pool": self.pool,
            "isolation": self.isolation,
            "overridable": list(self.overridable),
            "flow": self.flow,
        }


def _accept_any(payload: dict[str, Any], settings: HandlerSettings) -> dict[str, str]:
    return {}


def schema_problems(schema: dict[str, Any], payload: Any) -> dict[str, str]:
    """Where ``payload`` breaks ``schema``, as ``{"payload.<path>": problem}``: one
    problem per field, the first found (``jsonschema`` is imported only when a schema
    is checked, so processes without one never pay for it)."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema)
    problems: dict[str, str] = {}
    for error in sorted(validator.iter_errors(payload), key=lambda e: list(e.path)):
        path = list(error.path)
        if error.validator == "required" and isinstance(error.validator_value, list):
            # Name the missing field itself, as the built-ins do.
            missing = [n for n in error.validator_value if n not in (error.instance or {})]
            path.append(missing[0] if missing else "")
            message = "is required"
        else:
            message = error.message
        where = "payload" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)
        problems.setdefault(where, message[:300])
    return problems


def check_overridable(name: str, overridable: Any) -> tuple[str, ...]:
    """``overridable`` as a tuple of field names; ValueError naming the handler otherwise."""
    if isinstance(overridable, str) or not all(isinstance(f, str) and f for f in overridable or ()):
        raise ValueError(f"handler {name!r}: overridable must be a tuple of payload field names")
    fields = tuple(dict.fromkeys(overridable or ()))
    if name.startswith("system.") and fields:
        raise ValueError(f"handler {name!r}: system handlers declare no overridable fields")
    return fields


def check_flow(name: str, controls: dict[str, Any]) -> dict[str, Any] | None:
    """A handler's flow-control defaults, checked as a job's fields are (None: none);
    ValueError naming the handler and the field otherwise."""
    import msgspec

    from jobsched.domain.contract import FLOW_CONTROLS
    from jobsched.domain.validation import load_body
    from jobsched.errors import ValidationError

    out: dict[str, Any] = {}
    for control, value in controls.items():
        if value is None:
            continue
        try:
            out[control] = msgspec.to_builtins(load_body(FLOW_CONTROLS[control], value))
        except ValidationError as exc:
            where, problem = next(iter(exc.fields.items()))
            raise ValueError(f"handler {name!r}: {control}.{where} {problem}") from None
    return out or None


def check_schema(name: str, schema: dict[str, Any]) -> None:
    """Raise ValueError when ``schema`` is not a valid JSON Schema."""
    import jsonschema

    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as exc:
        raise ValueError(f"handler {name!r}: invalid payload schema: {exc.message}") from None


def schema_validator(name: str, schema: dict[str, Any] | None) -> Validator:
    """A ``validate`` function checking the payload against ``schema``."""
    if schema is None:
        return _accept_any
    if not isinstance(schema, dict):
        raise ValueError(f"handler {name!r}: schema must be a JSON Schema object")
    check_schema(name, schema)

    def validate(payload: dict[str, Any], settings: HandlerSettings) -> dict[str, str]:
        return schema_problems(schema, payload)

    return validate


class HandlerLookup(Protocol):
    """What validating a job needs: a registry, or the API's catalog."""

    def get(self, name: str) -> Handler | None: ...

    def names(self) -> list[str]: ...

    def handlers(self) -> list[Handler]: ...


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

    def handlers(self) -> list[Handler]:
        return [self._handlers[name] for name in self.names()]

    def __contains__(self, name: object) -> bool:
        return name in self._handlers
