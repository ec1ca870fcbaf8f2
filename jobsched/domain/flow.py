"""Keyed flow control, decided on values alone: which controls a run is under (its job's
own, else its handler's defaults) and the key each resolves to for the run's payload.

A control's key is literal text, or ``{"$ref": "payload.<path>"}``: the value at that
path of the run's payload (dots separate object fields; a list index is a number), as
text (a number or a boolean as JSON writes it). A path the payload lacks, or that
holds null, an object or a list, leaves the run without a key: the trigger that would
write it is refused (400, naming ``payload.<path>``), and so is a job whose own payload
a scheduled run would use (jobsched/domain/validation.py). Workflow steps take the same
controls (``controls_of``/``concurrency_of`` on a step's values and payload).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from jobsched.domain.bounded import text_problem

CONTROLS = ("concurrency", "rate", "debounce", "singleton")
REF_PREFIX = "payload."
MAX_KEY_CHARS = 200
"""A resolved key longer than this is refused: keys name Redis state."""


class KeyMissing(ValueError):
    """The payload has no usable value at a key's path; ``field`` names it."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(problem)
        self.field = field
        self.problem = problem


def ref_problem(ref: str) -> str | None:
    """What is wrong with a ``$ref`` (None: nothing)."""
    if not ref.startswith(REF_PREFIX) or any(p == "" for p in ref.split(".")[1:]):
        return "must be payload.<path> (fields separated by dots)"
    return text_problem(ref)  # stored in a JSON column: no NUL, no unpaired surrogate


def _text(value: Any) -> str | None:
    """A payload value as key text; None for what names no key (null, object, list)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return json.dumps(value)
    return None


def resolve_key(spec: Any, payload: Mapping[str, Any]) -> str:
    """The key ``spec`` (text, or ``{"$ref": "payload.<path>"}``) names for ``payload``.
    Raises ``KeyMissing`` naming the path when the payload gives it no key."""
    if isinstance(spec, str):
        return spec
    ref = spec["$ref"]
    value: Any = payload
    for part in ref.split(".")[1:]:
        if isinstance(value, Mapping) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            raise KeyMissing(ref, "is required: a flow control's key refers to it")
    text = _text(value)
    if text is None:
        raise KeyMissing(ref, "must be text, a number or a boolean: a flow control's key")
    if not text or len(text) > MAX_KEY_CHARS or "\n" in text or text_problem(text):
        raise KeyMissing(
            ref,
            f"must be 1 to {MAX_KEY_CHARS} characters on one line, without NUL or unpaired "
            "surrogates: a flow control's key",
        )
    return text


NUMBERS = {
    "concurrency": ("limit",),
    "rate": ("limit", "period_ms"),
    "debounce": ("delay_ms",),
    "singleton": (),
}
"""The whole numbers each control needs (what reading it would fail without)."""


class StoredControlBroken(ValueError):
    """A stored control (a row another writer or an old version left) that no longer
    reads: ``name`` is the control, ``problem`` what is wrong with it."""

    def __init__(self, name: str, problem: str) -> None:
        super().__init__(f"{name}: {problem}")
        self.name = name
        self.problem = problem


def stored_control_problem(name: str, value: Any) -> str | None:
    """Why a stored control cannot be read (None: it can, or it is not declared). The
    API checks what it writes; this catches only what would break reading it."""
    if not value:
        return None
    if not isinstance(value, Mapping):
        return "must be a JSON object"
    key = value.get("key")
    by_ref = isinstance(key, Mapping) and isinstance(key.get("$ref"), str)
    if not (isinstance(key, str) and key) and not by_ref:
        return 'key must be text or {"$ref": "payload.<path>"}'
    for field in NUMBERS[name]:
        number = value.get(field)
        if not isinstance(number, int) or isinstance(number, bool) or number < 1:
            return f"{field} must be a whole number of at least 1"
    return None


def controls_of(
    own: Mapping[str, Any], defaults: Mapping[str, Any] | None
) -> dict[str, dict[str, Any]]:
    """The controls a run is under: each of the job's (or step's) own, else its handler's
    default for that control. ``own`` and ``defaults`` map a control's name to its value
    (None or absent: not declared). Raises ``StoredControlBroken`` for one that does
    not read."""
    defaults = defaults or {}
    out: dict[str, dict[str, Any]] = {}
    for name in CONTROLS:
        value = own.get(name) or defaults.get(name)
        if value:
            if problem := stored_control_problem(name, value):
                raise StoredControlBroken(name, problem)
            out[name] = dict(value)
    return out


@dataclass(frozen=True)
class Concurrency:
    """A run's concurrency control, resolved: at most ``limit`` runs of ``key`` at once."""

    key: str
    limit: int


def concurrency_of(controls: Mapping[str, Any], payload: Mapping[str, Any]) -> Concurrency | None:
    """The run's resolved concurrency control (None: it has none). Raises ``KeyMissing``."""
    control = controls.get("concurrency")
    if not control:
        return None
    return Concurrency(resolve_key(control["key"], payload), int(control["limit"]))


@dataclass(frozen=True)
class Rate:
    """A run's rate control, resolved: at most ``limit`` starts (``queue``) or accepted
    triggers (``reject``) of ``key`` per ``period_ms``."""

    key: str
    limit: int
    period_ms: int
    mode: str = "queue"


def rate_of(controls: Mapping[str, Any], payload: Mapping[str, Any]) -> Rate | None:
    """The run's resolved rate control (None: it has none). Raises ``KeyMissing``."""
    control = controls.get("rate")
    if not control:
        return None
    key = resolve_key(control["key"], payload)
    return Rate(key, int(control["limit"]), int(control["period_ms"]), control.get("mode", "queue"))


def queued_rate(rate: Rate | None) -> Rate | None:
    """The rate the queue holds a run to: only ``queue`` mode waits for its turn
    (``reject`` answers the trigger over the limit with a 429 instead)."""
    return rate if rate is not None and rate.mode == "queue" else None


def execution_columns(
    controls: Mapping[str, Any], payload: Mapping[str, Any]
) -> dict[str, str | int | None]:
    """The flow-control columns of an execution the queue enforces (a workflow step's):
    its concurrency and queued rate, resolved for ``payload`` (None: none). Raises
    ``KeyMissing``."""
    c = concurrency_of(controls, payload)
    r = queued_rate(rate_of(controls, payload))
    return {
        "concurrency_key": c.key if c else None,
        "concurrency_limit": c.limit if c else None,
        "rate_key": r.key if r else None,
        "rate_limit": r.limit if r else None,
        "rate_period_ms": r.period_ms if r else None,
    }


def key_problems(
    controls: Mapping[str, Any], payload: Mapping[str, Any], where: str = ""
) -> dict[str, str]:
    """Every control whose key ``payload`` cannot resolve, as ``{field: problem}`` (the
    field is the payload path, prefixed by ``where``: ``runs[2].``)."""
    problems: dict[str, str] = {}
    for control in controls.values():
        try:
            resolve_key(control["key"], payload)
        except KeyMissing as exc:
            problems[where + exc.field] = exc.problem
    return problems


UNFINISHED = ("PENDING", "QUEUED", "RUNNING", "RETRYING")
WAITING = ("PENDING", "QUEUED", "RETRYING")


@dataclass(frozen=True)
class Singleton:
    """What a trigger under a singleton does, given the key's unfinished runs."""

    existing: str | None = None
    """Answer with this run and write none (``skip``)."""
    cancel: tuple[str, ...] = ()
    """Write the new run and cancel these (``replace_queued``, ``cancel_running``)."""


def singleton(mode: str, runs: list[tuple[str, str]]) -> Singleton:
    """A trigger's fate under a singleton key whose unfinished runs are ``runs`` (id,
    status; oldest first): ``skip`` answers with the oldest and writes nothing;
    ``replace_queued`` cancels those waiting (a running one runs on, the new run waits
    behind it); ``cancel_running`` cancels them all. No run of the key: write it."""
    if not runs:
        return Singleton()
    if mode == "skip":
        return Singleton(existing=runs[0][0])
    if mode == "replace_queued":
        return Singleton(cancel=tuple(i for i, status in runs if status in WAITING))
    return Singleton(cancel=tuple(i for i, _ in runs))


def debounce_due(now: datetime, delay_ms: int, until: datetime | None) -> datetime:
    """When a debounced run starts after a trigger at ``now``: ``delay_ms`` after the
    last trigger, but never past ``until`` (its first trigger plus ``max_delay_ms``)."""
    due = now + timedelta(milliseconds=delay_ms)
    return due if until is None else min(due, until)


def debounce_until(now: datetime, control: Mapping[str, Any]) -> datetime | None:
    """The latest a burst's run may start, from its first trigger at ``now``."""
    longest = control.get("max_delay_ms")
    return None if longest is None else now + timedelta(milliseconds=longest)


@dataclass(frozen=True)
class KeyState:
    """What holds a key's waiting runs, and when the next may start (None: unknown)."""

    limited_by: str | None
    next_start_at: datetime | None


def key_state(
    row: Mapping[str, Any],
    in_flight: int,
    starts: list[datetime],
    now: datetime,
) -> KeyState:
    """A key's state from the job's runs of it (``row``: waiting, concurrency_limit,
    rate_limit, rate_period_ms, debouncing, due), the key's runs in flight across its
    pool, and its rate window's starts (oldest first). A key at its concurrency limit
    waits for a run to end (no time known); at its rate, for its oldest start to leave
    the window; a debounce, for its burst's time."""
    due = row.get("due")
    later = due if due is not None and due > now else None
    if not row["waiting"]:
        return KeyState(None, None)
    if row.get("debouncing") and later is not None:
        return KeyState("debounce", later)
    limit = row.get("concurrency_limit")
    if limit and in_flight >= limit:
        return KeyState("concurrency", None)
    rate, period = row.get("rate_limit"), row.get("rate_period_ms")
    if rate and period and len(starts) >= rate:
        free_at = starts[len(starts) - rate] + timedelta(milliseconds=period)
        return KeyState("rate", max(free_at, later) if later else free_at)
    return KeyState(None, later)
