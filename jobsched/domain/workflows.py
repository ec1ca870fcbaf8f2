"""A workflow's definition: its request bodies, and the rules a definition must meet
(issue 23; contract: the design brief, section 5).

``validate_workflow`` (and ``validate_workflow_update``) converts a body into the
definition as stored, or refuses it with one ``ValidationError`` naming every problem:
each field's type and bounds (from the models below), a handler not in the catalog or
a payload failing its handler's rules (as a job's), duplicate step ids, an ``after``
naming no step, a cycle (its steps named in order), a ``when`` that can never hold, a
reference of the wrong form or to a step that is not upstream, and ``item`` outside a
``for_each`` step. Pure: the handlers come in as ``validation.Handlers``.
"""

from __future__ import annotations

import copy
from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, Meta, UnsetType

from jobsched.domain import flow
from jobsched.domain import workflow_refs as refs
from jobsched.domain.contract import (
    BackoffMs,
    CatchUp,
    CatchUpMax,
    CatchUpWindow,
    ConcurrencyControl,
    DelayMs,
    Description,
    DstGap,
    DstOverlap,
    HandlerName,
    JitterMs,
    MaxConcurrency,
    Model,
    Name,
    OverlapPolicy,
    Payload,
    PoolName,
    Priority,
    RateControl,
    ReadOnly,
    Retries,
    Schedule,
    SlaMs,
    TimeoutMs,
    Timezone,
    When,
    checked,
)
from jobsched.domain.models import DEFAULT_POOL
from jobsched.domain.validation import Handlers, field_values
from jobsched.errors import ValidationError

MAX_STEPS = 100
"""Steps in one workflow: its graph is checked and advanced whole, in one transaction."""
MAX_ITEMS = 1000
"""Items one ``for_each`` step fans out to (each its own execution)."""
WHENS = ("success", "failure", "always")

StepId = Annotated[
    str,
    checked(
        problem="must be a step id (1 to 64 letters, digits, '_' and '-')",
        pattern=r"^[A-Za-z0-9_-]{1,64}$",
    ),
]
StepWhen = Annotated[
    Literal[WHENS],
    Meta(
        description="success: every upstream step succeeded (default); failure: an upstream "
        "step failed after its retries; always: once every upstream step ended"
    ),
]
ForEach = Annotated[
    dict[str, Any],
    checked(
        problem='must be a reference: {"$ref": "steps.<id>.result.<path>" | "input.<path>"}',
        description='a reference ({"$ref": "steps.<id>.result.<path>" | "input.<path>"}) '
        f"to a list: the step runs once per item (at most {MAX_ITEMS})",
    ),
]


class WorkflowStep(Model):
    id: StepId
    handler: HandlerName
    payload: Payload = {}
    after: Annotated[list[StepId], Meta(max_length=MAX_STEPS)] = []
    when: StepWhen = "success"
    for_each: ForEach | None = None
    max_concurrency: MaxConcurrency | None = None
    concurrency: ConcurrencyControl | None = None
    rate: RateControl | None = None
    pool: PoolName | None = None
    priority: Priority = 50
    max_retries: Retries = 3
    timeout_ms: TimeoutMs = 60_000
    retry_backoff_ms: BackoffMs = 1_000
    retry_backoff_max_ms: BackoffMs = 60_000


Steps = Annotated[list[WorkflowStep], Meta(min_length=1, max_length=MAX_STEPS)]


class WorkflowCreate(Model):
    name: Name
    steps: Steps
    description: Description | None = ""
    schedule: Schedule | None = None
    timezone: Timezone = "UTC"
    overlap_policy: OverlapPolicy = "allow"
    dst_gap: DstGap = "shift"
    dst_overlap: DstOverlap = "first"
    catch_up: CatchUp = "latest"
    catch_up_window_s: CatchUpWindow = 3600
    catch_up_max: CatchUpMax = 10
    start_jitter_ms: JitterMs = 0
    max_start_delay_ms: SlaMs | None = None
    max_duration_ms: SlaMs | None = None


class WorkflowUpdate(Model):
    """A partial update: fields left out keep their value; ``steps``, when sent,
    replace them all. A workflow as the API returns it may be sent back."""

    name: Name | UnsetType = UNSET
    steps: Steps | UnsetType = UNSET
    description: Description | UnsetType | None = UNSET
    schedule: Schedule | UnsetType | None = UNSET
    timezone: Timezone | UnsetType = UNSET
    overlap_policy: OverlapPolicy | UnsetType = UNSET
    dst_gap: DstGap | UnsetType = UNSET
    dst_overlap: DstOverlap | UnsetType = UNSET
    catch_up: CatchUp | UnsetType = UNSET
    catch_up_window_s: CatchUpWindow | UnsetType = UNSET
    catch_up_max: CatchUpMax | UnsetType = UNSET
    start_jitter_ms: JitterMs | UnsetType = UNSET
    max_start_delay_ms: SlaMs | UnsetType | None = UNSET
    max_duration_ms: SlaMs | UnsetType | None = UNSET
    id: ReadOnly = UNSET
    version: ReadOnly = UNSET
    status: ReadOnly = UNSET
    next_run_time: ReadOnly = UNSET
    created_at: ReadOnly = UNSET
    updated_at: ReadOnly = UNSET


class WorkflowTrigger(Model):
    """A run of the workflow: now, at ``run_at``, or ``delay_ms`` from now (not both);
    ``input`` is what its steps reference as ``{"$ref": "input.<path>"}``."""

    input: Payload | UnsetType = UNSET
    run_at: (
        Annotated[When, Meta(description="run at this time: at most 366 days from now")] | UnsetType
    ) = UNSET
    delay_ms: DelayMs | UnsetType = UNSET


WORKFLOW_READ_ONLY = ("id", "version", "status", "next_run_time", "created_at", "updated_at")
DEFAULTS: dict[str, Any] = {
    f.name: f.default_factory() if f.default is msgspec.NODEFAULT else f.default
    for f in msgspec.structs.fields(WorkflowCreate)
    if not f.required
}
WRITABLE = tuple(f.name for f in msgspec.structs.fields(WorkflowCreate))


# ------------------------------------------------------------------- the graph


def cycle_of(after: dict[str, list[str]]) -> list[str] | None:
    """One cycle of the graph (``step -> its upstream steps``), as the steps along it
    with the first repeated at the end (``a -> b -> a`` read as "a comes after b, b
    after a"); None when there is none. Upstream ids that are no step are ignored."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for up in after.get(node, []):
            if up not in after:
                continue
            if state.get(up) == 1:
                return [*path[path.index(up) :], up]
            if up not in state and (found := visit(up)):
                return found
        path.pop()
        state[node] = 2
        return None

    for node in after:
        if node not in state and (found := visit(node)):
            return found
    return None


def upstream_of(after: dict[str, list[str]], step: str) -> set[str]:
    """Every step ``step`` comes after, directly or not (the graph has no cycle)."""
    seen: set[str] = set()
    todo = list(after.get(step, []))
    while todo:
        up = todo.pop()
        if up not in seen and up in after:
            seen.add(up)
            todo.extend(after[up])
    return seen


def downstream_of(after: dict[str, list[str]], steps: set[str]) -> set[str]:
    """``steps`` and every step that comes after one of them, directly or not."""
    found = set(steps)
    changed = True
    while changed:
        changed = False
        for step, ups in after.items():
            if step not in found and found.intersection(ups):
                found.add(step)
                changed = True
    return found


def _check_graph(steps: list[dict[str, Any]], errors: dict[str, str]) -> dict[str, list[str]]:
    first: dict[str, int] = {}
    for i, step in enumerate(steps):
        if step["id"] in first:
            errors[f"steps[{i}].id"] = (
                f"duplicate step id {step['id']!r} (also steps[{first[step['id']]}])"
            )
        else:
            first[step["id"]] = i
    for i, step in enumerate(steps):
        unknown = [a for a in step["after"] if a not in first]
        if unknown:
            errors[f"steps[{i}].after"] = f"unknown step {unknown[0]!r}; known: " + ", ".join(first)
        elif len(set(step["after"])) != len(step["after"]):
            errors[f"steps[{i}].after"] = "names a step more than once"
        if step["when"] == "failure" and not step["after"]:
            errors[f"steps[{i}].when"] = (
                "failure needs upstream steps (after): a first step never sees one fail"
            )
    after = {s["id"]: list(s["after"]) for s in steps}
    if (cycle := cycle_of(after)) is not None:
        # Read along "comes after": a -> b means a waits for b.
        errors["steps"] = "cycle: " + " -> ".join(cycle)
    return after


def _check_refs(
    i: int, step: dict[str, Any], upstream: set[str], errors: dict[str, str]
) -> list[tuple[str, refs.Ref]]:
    found: list[tuple[str, refs.Ref]] = []
    where = f"steps[{i}]."
    sources = list(refs.refs_in(step["payload"], "payload"))
    if step["for_each"] is not None:
        sources.append(("for_each", step["for_each"]))
    for at, value in sources:
        try:
            ref = refs.parse(value)
        except ValueError as exc:
            errors.setdefault(where + at, str(exc))
            continue
        if ref.kind == refs.ITEM and (at == "for_each" or step["for_each"] is None):
            errors.setdefault(where + at, "item is only for the payload of a for_each step")
        elif ref.kind == refs.STEPS and ref.step not in upstream:
            errors.setdefault(
                where + at,
                f"refers to step {ref.step!r}, which is not upstream of {step['id']!r} "
                "(name it in after, directly or through another step)",
            )
        found.append((at, ref))
    return found


def _check_step(
    i: int, step: dict[str, Any], handlers: Handlers, settings: object, errors: dict[str, str]
) -> None:
    where = f"steps[{i}]."
    handler = handlers.get(step["handler"])
    if handler is None:
        errors[where + "handler"] = "unknown handler; known: " + ", ".join(handlers.names())
    elif not any(True for _ in refs.refs_in(step["payload"], "payload")):
        # A payload with references is checked against its handler's rules once they
        # resolve (a missing or ill-typed value then fails the step, saying why).
        for name, problem in handler.validate(step["payload"], settings).items():
            errors[where + name] = problem
    if step["for_each"] is not None and not refs.is_ref(step["for_each"]):
        errors[where + "for_each"] = (
            'must be a reference: {"$ref": "steps.<id>.result.<path>"} or {"$ref": "input.<path>"}'
        )
    if step["max_concurrency"] is not None and step["for_each"] is None:
        errors[where + "max_concurrency"] = "only for a for_each step"
    if step["retry_backoff_max_ms"] < step["retry_backoff_ms"]:
        errors[where + "retry_backoff_max_ms"] = "must be at least retry_backoff_ms"
    _check_step_flow(where, step, errors)
    if step["pool"] is None:
        step["pool"] = handler.pool if handler is not None else DEFAULT_POOL


STEP_CONTROLS = ("concurrency", "rate")
"""The flow controls a step takes (a step's executions are no triggers: no debounce,
singleton or rejecting rate; its handler's defaults for these two apply as to a job)."""


def _check_step_flow(where: str, step: dict[str, Any], errors: dict[str, str]) -> None:
    rate = step.get("rate")
    if rate and rate.get("mode", "queue") != "queue":
        errors[where + "rate.mode"] = "must be queue on a step: its executions are no triggers"
    if any(True for _ in refs.refs_in(step["payload"], "payload")):
        return  # a key read through a reference is resolved once the payload is
    controls = {k: step[k] for k in STEP_CONTROLS if step.get(k)}
    for path, problem in flow.key_problems(controls, step["payload"]).items():
        errors.setdefault(where + path, problem)


def _check(data: dict[str, Any], errors: dict[str, str], handlers: Handlers, settings: object):
    steps = data["steps"]
    after = _check_graph(steps, errors)
    for i, step in enumerate(steps):
        _check_step(i, step, handlers, settings, errors)
        if "steps" not in errors:
            _check_refs(i, step, upstream_of(after, step["id"]), errors)


def _finish(
    values: dict[str, Any] | None,
    current: dict[str, Any],
    errors: dict[str, str],
    handlers: Handlers,
    settings: object,
) -> dict[str, Any]:
    if values is None:
        raise ValidationError(errors)
    data = {**current, **{k: v for k, v in values.items() if k not in WORKFLOW_READ_ONLY}}
    if "steps" in values:
        # Stored as the API takes them: plain JSON (a flow control's key as "$ref").
        data["steps"] = [msgspec.to_builtins(s) for s in values["steps"]]
    elif "steps" in data:
        data["steps"] = copy.deepcopy(data["steps"])
    if errors:  # the graph is checked once every field reads
        raise ValidationError(errors)
    _check(data, errors, handlers, settings)
    if errors:
        raise ValidationError(errors)
    data["name"] = data["name"].strip()
    if data["description"] is None:
        data["description"] = ""
    if data["schedule"] is not None:
        data["schedule"] = " ".join(data["schedule"].split())
    return data


def validate_workflow(body: Any, handlers: Handlers, settings: object) -> dict[str, Any]:
    """A new workflow's fields, defaults filled in (each step's too)."""
    errors: dict[str, str] = {}
    values = field_values(WorkflowCreate, body, errors)
    return _finish(values, copy.deepcopy(DEFAULTS), errors, handlers, settings)


def validate_workflow_update(
    body: Any, current: dict[str, Any], handlers: Handlers, settings: object
) -> dict[str, Any]:
    """A partial update: fields left out keep their value; read-only ones are ignored.
    Stored steps that no longer read (``stored_steps_problem``) must be sent anew."""
    errors: dict[str, str] = {}
    values = field_values(WorkflowUpdate, body, errors)
    kept = {k: current[k] for k in WRITABLE}
    keeps_steps = values is not None and "steps" not in values and "steps" not in errors
    if keeps_steps and (problem := stored_steps_problem(kept["steps"])):
        errors["steps"] = f"is required: {problem}; send them anew"
    return _finish(values, kept, errors, handlers, settings)


def stored_steps_problem(steps: Any) -> str | None:
    """Why a workflow's stored steps no longer read as a definition (None: they do).
    Rows left by another writer or an older version, or damaged by hand: such a
    workflow is still listed and shown, but not run or edited until its steps are sent
    again. Only their shape is checked here (each step's fields, the graph), not the
    catalog: a handler removed since fails its step when it runs, saying so."""
    errors: dict[str, str] = {}
    values = field_values(WorkflowUpdate, {"steps": steps}, errors)
    if not errors and values is not None:
        _check_graph([msgspec.to_builtins(s) for s in values["steps"]], errors)
    if not errors:
        return None
    where, problem = next(iter(errors.items()))
    return f"the stored steps no longer read as a workflow's ({where}: {problem})"
