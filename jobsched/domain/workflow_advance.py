"""How a workflow run advances: given its definition and where each step stands, which
steps become ready (and the executions they launch, payloads resolved), which are
SKIPPED and why, which ended, and how the run ends (issue 23).

Pure: the use case (``jobsched.workflow_steps``) reads the run's steps and their
executions, calls ``advance``, and writes what it returns in one transaction. Applied
again to what it wrote, ``advance`` changes nothing, so the catch-up pass may call it
on any run at any time: a run whose worker or tick died between two steps is moved on
by whoever looks next, never left stuck.

A step's life: WAITING until every upstream step ended; then, by its ``when``:
``success`` (all upstream SUCCEEDED), ``failure`` (an upstream step FAILED),
``always`` (whatever they ended as). A condition that cannot hold SKIPS the step with
the reason (and a ``success`` step downstream is then skipped in turn). A ready step is
RUNNING with one execution (or one per item of its ``for_each``, at most
``max_concurrency`` unfinished at once); it ends SUCCEEDED when each of them
succeeded, FAILED when one failed (after its retries), CANCELLED when one was
cancelled. The run ends once every step ended: FAILED if a step failed, else CANCELLED
if one was cancelled, else SUCCEEDED.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from jobsched.domain import workflow_refs as refs
from jobsched.domain.bounded import wire_json
from jobsched.domain.workflows import MAX_ITEMS, downstream_of

WAITING, RUNNING, SUCCEEDED, FAILED, SKIPPED, CANCELLED = (
    "WAITING",
    "RUNNING",
    "SUCCEEDED",
    "FAILED",
    "SKIPPED",
    "CANCELLED",
)
MAX_PAYLOAD_BYTES = 1024 * 1024
"""The most one step execution's resolved payload may weigh (as the API sends it). What
references bring in was not bounded as user input: a result may weigh 256 KiB, and a
fan-in's list holds up to 1,000 of them."""
MAX_STEP_PAYLOADS_BYTES = 16 * 1024 * 1024
"""The most a step's resolved payloads may weigh together: all its items' executions
are written in the transaction that makes it ready."""
STEP_STATUSES = (WAITING, RUNNING, SUCCEEDED, FAILED, SKIPPED, CANCELLED)
STEP_ENDED = (SUCCEEDED, FAILED, SKIPPED, CANCELLED)
PENDING = "PENDING"
RUN_STATUSES = (PENDING, RUNNING, SUCCEEDED, FAILED, CANCELLED)
RUN_ENDED = (SUCCEEDED, FAILED, CANCELLED)
EXECUTION_ENDED = ("SUCCEEDED", "FAILED", "CANCELLED", "SKIPPED")
"""An execution in one of these ended for good (RETRYING is still under way)."""


@dataclass(frozen=True)
class ItemState:
    """One execution of a step (item 0 unless the step fans out)."""

    status: str
    result: Any = None
    error: str | None = None


@dataclass
class StepState:
    status: str = WAITING
    reason: str | None = None
    items: list[Any] | None = None
    """A ``for_each`` step's items, fixed when it became ready."""
    executions: dict[int, ItemState] = field(default_factory=dict)
    """This round's executions by item (a retried step's earlier failures left out)."""


@dataclass(frozen=True)
class Launch:
    """An execution to write for a step: its item, resolved payload and inputs."""

    step_id: str
    item: int
    payload: dict[str, Any]
    inputs: dict[str, Any]


@dataclass
class Advance:
    changed: dict[str, StepState] = field(default_factory=dict)
    """Steps whose status, reason or items changed, as they now are."""
    launches: list[Launch] = field(default_factory=list)
    ended: str | None = None
    """The run's final status once every step ended."""

    @property
    def anything(self) -> bool:
        return bool(self.changed or self.launches or self.ended)


def results_of(steps: Mapping[str, StepState]) -> dict[str, Any]:
    """Each SUCCEEDED step's result: a fan-out's is the list of its items' results in
    item order (the fan-in)."""
    out: dict[str, Any] = {}
    for sid, st in steps.items():
        if st.status != SUCCEEDED:
            continue
        # An execution retention deleted since reads as no result (null).
        found = {i: e.result for i, e in st.executions.items()}
        if st.items is not None:
            out[sid] = [found.get(i) for i in range(len(st.items))]
        else:
            out[sid] = found.get(0)
    return out


def _condition(step: dict[str, Any], ups: list[StepState], names: list[str]) -> str | None:
    """None if the step runs; else why it is skipped."""
    when = step["when"]
    if when == "always":
        return None
    failed = [n for n, u in zip(names, ups, strict=True) if u.status == FAILED]
    if when == "failure":
        return None if failed else "no upstream step failed"
    for n, u in zip(names, ups, strict=True):
        if u.status != SUCCEEDED:
            return f"upstream step {n!r} {u.status}"
    return None


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    return {list: "a list", str: "text"}.get(type(value), "a number")


def _ready(step: dict[str, Any], scope: refs.Scope) -> tuple[str, str | None, list[Any] | None]:
    """A ready step's status (RUNNING, or FAILED/SUCCEEDED at once), reason, items."""
    items = None
    if step.get("for_each") is not None:
        try:
            items = refs.resolve(step["for_each"], scope)
        except refs.RefMissing as exc:
            return FAILED, f"for_each: {exc}", None
        if not isinstance(items, list):
            return FAILED, f"for_each: {step['for_each'][refs.REF]} is not a list", None
        if len(items) > MAX_ITEMS:
            return FAILED, f"for_each: {len(items)} items, at most {MAX_ITEMS}", None
        if not items:
            return SUCCEEDED, "for_each: no items", []
    total = 0
    for i in range(len(items) if items is not None else 1):
        try:
            payload = _payload(step, scope, items, i)
        except refs.RefMissing as exc:
            return FAILED, f"payload: {exc}", items
        if not isinstance(payload, dict):
            return FAILED, f"payload: resolves to {_json_kind(payload)}, not an object", items
        size = len(wire_json(payload))
        if size > MAX_PAYLOAD_BYTES:
            return (
                FAILED,
                f"payload: resolves to {size} bytes of JSON, at most {MAX_PAYLOAD_BYTES}",
                items,
            )
        total += size
        if total > MAX_STEP_PAYLOADS_BYTES:
            return FAILED, f"payloads: more than {MAX_STEP_PAYLOADS_BYTES} bytes of JSON", items
    return RUNNING, None, items


def _payload(step: dict[str, Any], scope: refs.Scope, items: list[Any] | None, i: int) -> Any:
    if items is None:
        return refs.resolve(step["payload"], scope)
    each = refs.Scope(scope.results, scope.input, items[i], True)
    return refs.resolve(step["payload"], each)


def _settle(st: StepState, count: int) -> tuple[str, str | None] | None:
    """A running step's end once each of its executions ended; None while not."""
    if len(st.executions) < count:
        return None
    ends = [st.executions[i] for i in range(count)]
    if any(e.status not in EXECUTION_ENDED for e in ends):
        return None
    for i, e in enumerate(ends):
        if e.status in ("FAILED", "SKIPPED"):
            label = f"item {i}" if st.items is not None else "its execution"
            return FAILED, f"{label} failed: {e.error or e.status}"
    if any(e.status == "CANCELLED" for e in ends):
        return CANCELLED, "its execution was cancelled"
    return SUCCEEDED, None


def advance(steps: list[dict[str, Any]], states: dict[str, StepState], run_input: Any) -> Advance:
    """What moves now (``states`` is updated in place to match, so applying the answer
    and calling again finds nothing more to do)."""
    out = Advance()
    by_id = {s["id"]: s for s in steps}
    changed = True
    while changed:
        changed = False
        for step in steps:
            sid = step["id"]
            st = states.setdefault(sid, StepState())
            if st.status == WAITING:
                ups = [states.setdefault(u, StepState()) for u in step["after"]]
                if any(u.status not in STEP_ENDED for u in ups):
                    continue
                why = _condition(step, ups, step["after"])
                if why is not None:
                    st.status, st.reason = SKIPPED, why
                else:
                    scope = refs.Scope(results_of(states), run_input)
                    st.status, st.reason, st.items = _ready(step, scope)
                out.changed[sid] = st
                changed = True
            if st.status == RUNNING:
                count = len(st.items) if st.items is not None else 1
                end = _settle(st, count)
                if end is not None:
                    st.status, st.reason = end
                    out.changed[sid] = st
                    changed = True
                    continue
                launched = _launch(by_id[sid], st, count, states, run_input)
                out.launches.extend(launched)
    if all(states.get(s["id"], StepState()).status in STEP_ENDED for s in steps):
        out.ended = run_end(states.values())
    return out


def _launch(
    step: dict[str, Any],
    st: StepState,
    count: int,
    states: dict[str, StepState],
    run_input: Any,
) -> list[Launch]:
    """The executions a running step starts now: its items not launched yet, so that at
    most ``max_concurrency`` are unfinished."""
    limit = step.get("max_concurrency") or count
    unfinished = sum(1 for e in st.executions.values() if e.status not in EXECUTION_ENDED)
    room = limit - unfinished
    if room <= 0:
        return []
    results = results_of(states)
    scope = refs.Scope(results, run_input)
    inputs = {u: results.get(u) for u in step["after"]}
    launches = []
    for i in range(count):
        if room <= 0:
            break
        if i in st.executions:
            continue
        payload = _payload(step, scope, st.items, i)
        launches.append(Launch(step["id"], i, payload, inputs))
        st.executions[i] = ItemState("QUEUED")
        room -= 1
    return launches


def run_end(steps: Any) -> str:
    statuses = {s.status for s in steps}
    if FAILED in statuses:
        return FAILED
    if CANCELLED in statuses:
        return CANCELLED
    return SUCCEEDED


def retry_steps(steps: list[dict[str, Any]], states: Mapping[str, StepState]) -> set[str]:
    """The steps a retry from failure runs again: those FAILED, SKIPPED or CANCELLED,
    and every step downstream of one that did not succeed; succeeded steps keep their
    results."""
    after = {s["id"]: list(s["after"]) for s in steps}
    again = {sid for sid, st in states.items() if st.status in (FAILED, SKIPPED, CANCELLED)}
    return {s for s in downstream_of(after, again) if states[s].status != SUCCEEDED}


def cancel_steps(states: Mapping[str, StepState]) -> set[str]:
    """The steps a cancel ends CANCELLED: those waiting or running."""
    return {sid for sid, st in states.items() if st.status in (WAITING, RUNNING)}
