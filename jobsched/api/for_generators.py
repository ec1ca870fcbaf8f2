"""The OpenAPI document shaped for client generators (openapi-typescript, openapi-fetch,
openapi-python-client) run with their default settings.

msgspec states each model exactly, but generators read some of what it writes in ways
that do not serve a client:

- a request field with a ``default`` becomes required in TypeScript (and the Python
  client sends the default itself, so a later change of a default never reaches its
  users): request schemas carry no ``default``; the description states it (and
  ``x-default``, for the dashboard's forms) and the server applies it;
- ``{"type": "object"}`` with no properties becomes ``Record<string, never>``: a
  free-form object says ``additionalProperties: {}`` (and an array of anything
  ``items: {}``, without which openapi-python-client drops its model);
- an inline enum gets a name from where it sits (``GetJobsSort``): each closed set is a
  named component (``ENUM_NAMES``), with its type;
- a time the API takes with or without an offset is not ``format: date-time`` (which
  requires one) where it is an input;
- an answer's field is required when the API always sends it (one with a default: msgspec
  encodes defaults), so a client gets ``T | None``, not ``T | None | Unset``; request
  fields with a default stay optional;
- an answer's field kept as plain JSON (a job's flow controls, a workflow's steps) is
  typed by the request's component that made it (``AS_SENT``), split in two: the
  answer's ``RateControl`` (all required) and the request's ``RateControlInput``.

``tests/unit/test_openapi.py`` checks each rule on the whole document.
"""

from __future__ import annotations

import copy
import json
import typing
from typing import Any

from jobsched.api.queries import JobSort
from jobsched.domain.audit import ACTIONS, TARGET_TYPES
from jobsched.errors import ERROR_CODES

REF = "#/components/schemas/{name}"

ENUM_NAMES: dict[frozenset[Any], str] = {
    frozenset(ERROR_CODES): "ErrorCode",
    frozenset(ACTIONS): "AuditAction",
    frozenset(typing.get_args(JobSort)): "JobSort",
    frozenset(TARGET_TYPES): "AuditTargetType",
    frozenset(
        {"PENDING", "QUEUED", "RUNNING", "SUCCEEDED", "RETRYING", "FAILED", "CANCELLED", "SKIPPED"}
    ): "ExecutionStatus",
    frozenset({"SCHEDULED", "PAUSED"}): "ScheduleStatus",
    frozenset({"PENDING", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED"}): "WorkflowRunStatus",
    frozenset({"WAITING", "RUNNING", "SUCCEEDED", "FAILED", "SKIPPED", "CANCELLED"}): (
        "WorkflowStepStatus"
    ),
    frozenset({"SUCCEEDED", "FAILED", "TIMED_OUT", "CANCELLED", "LOST", "HANDED_BACK"}): (
        "AttemptOutcome"
    ),
    frozenset({"schedule", "trigger", "backfill", "workflow"}): "ExecutionSource",
    frozenset({"read", "operate", "admin"}): "Scope",
    frozenset({"ok", "unavailable"}): "HealthStatus",
    frozenset({"process", "thread"}): "Isolation",
    frozenset({"concurrency", "debounce", "rate"}): "FlowLimit",
    frozenset({"allow", "buffer_one", "cancel_previous", "skip"}): "OverlapPolicy",
    frozenset({"shift", "skip"}): "DstGap",
    frozenset({"first", "twice"}): "DstOverlap",
    frozenset({"all", "latest", "none"}): "CatchUp",
    frozenset({"next", "previous", "skip"}): "NonBusinessDay",
    frozenset({"defer", "skip"}): "OutsideWindow",
    frozenset({"cancel", "leave"}): "OnWindowClose",
    frozenset({"queue", "reject"}): "RateMode",
    frozenset({"skip", "replace_queued", "cancel_running"}): "SingletonMode",
    frozenset({"late_start", "overran"}): "AlertKind",
    frozenset({"backfilled", "caught_up", "missed", "ran", "skipped", "upcoming"}): (
        "OccurrenceOutcome"
    ),
    frozenset({"deferred", "not_an_occurrence", "ran", "skipped", "upcoming"}): (
        "ExplanationOutcome"
    ),
    frozenset({"always", "failure", "success"}): "StepWhen",
    frozenset({"json", "prometheus"}): "MetricsFormat",
    frozenset({"executions"}): "JobInclude",
}
"""Each closed set's component name, by its values. A set missing here fails the
document's build, naming its values: give it a name that says what it is."""


def _walk(node: Any, visit: Any) -> Any:
    """``node`` rebuilt bottom-up, each mapping passed through ``visit``."""
    if isinstance(node, list):
        return [_walk(item, visit) for item in node]
    if isinstance(node, dict):
        return visit({key: _walk(value, visit) for key, value in node.items()})
    return node


def _free_form(schema: dict[str, Any]) -> dict[str, Any]:
    shaped = ("properties", "additionalProperties", "patternProperties", "$ref")
    if schema.get("type") == "object" and not any(k in schema for k in shaped):
        return {**schema, "additionalProperties": {}}
    if schema.get("type") == "array" and "items" not in schema and "prefixItems" not in schema:
        # openapi-python-client drops a model holding an array of unstated items.
        return {**schema, "items": {}}
    return schema


def enum_name(values: list[Any]) -> str:
    key = frozenset(values)
    if key not in ENUM_NAMES:
        sorted_values = sorted(map(str, values))
        raise KeyError(f"no component name for the enum {sorted_values}: add it to ENUM_NAMES")
    return ENUM_NAMES[key]


def _enum_type(values: list[Any]) -> str:
    (kind,) = {type(v) for v in values}
    return {str: "string", int: "integer", bool: "boolean"}[kind]


def _hoisted(enums: dict[str, dict[str, Any]]) -> Any:
    def visit(schema: dict[str, Any]) -> dict[str, Any]:
        if "enum" not in schema:
            return schema
        values = schema["enum"]
        name = enum_name(values)
        enums.setdefault(name, {"title": name, "type": _enum_type(values), "enum": values})
        rest = {k: v for k, v in schema.items() if k not in ("enum", "type", "title")}
        return {"$ref": REF.format(name=name), **rest}

    return visit


def _refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        own = {node["$ref"].rsplit("/", 1)[1]} if isinstance(node.get("$ref"), str) else set()
        return own.union(*(_refs(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_refs(v) for v in node))
    return set()


def request_components(doc: dict[str, Any]) -> set[str]:
    """The components a request body may hold, transitively."""
    schemas = doc["components"]["schemas"]
    found: set[str] = set()
    todo = {
        name
        for ops in doc["paths"].values()
        for op in ops.values()
        for name in _refs(op.get("requestBody", {}))
    }
    while todo:
        name = todo.pop()
        if name in found or name not in schemas:
            continue
        found.add(name)
        todo |= _refs(schemas[name])
    return found


X_DEFAULT = "x-default"
"""Where a request field's default stays machine-readable."""
INPUT_TIME = (
    "ISO 8601 time, with a UTC offset or without one (then UTC), e.g. 2026-12-01T10:00:00Z "
    "or 2026-12-01T10:00:00"
)

OFFSET_NOTE = " (without an offset: UTC)"
"""How a time's model says it takes one without an offset (``contract.When``)."""


def _as_input(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` (a request field or a query parameter's) without ``default`` and
    ``format: date-time``, both said in its description instead."""
    notes = []
    if "default" in schema:
        default = schema.pop("default")
        # For tools that show it (the dashboard's forms): generators ignore x- keys.
        schema[X_DEFAULT] = default
        if default is not None:
            notes.append(f"Default (applied by the server): {json.dumps(default)}.")
    for variant in schema.get("anyOf", [schema]):
        if variant.get("format") == "date-time":
            del variant["format"]
            notes.append(f"An {INPUT_TIME}.")
            # The note says it in full: the model's short form would say it twice.
            if OFFSET_NOTE in variant.get("description", ""):
                variant["description"] = variant["description"].replace(OFFSET_NOTE, "")
    if notes:
        about = schema.get("description", "").strip()
        if about and not about.endswith("."):
            about += "."
        schema["description"] = " ".join([about, *notes]).strip()
    return schema


AS_SENT: dict[tuple[str, str], str] = {
    ("Job", "concurrency"): "ConcurrencyControl",
    ("Job", "rate"): "RateControl",
    ("Job", "debounce"): "DebounceControl",
    ("Job", "singleton"): "SingletonControl",
    ("Job", "spread"): "SpreadControl",
    ("Workflow", "steps"): "WorkflowStep",
}
"""Answer fields kept as plain JSON (the store's JSON columns, read back as dicts) that
hold what the request sent, as its model encoded it: typed by that model's component.
``tests/integration/test_api_contract.py`` checks the answers against them."""


def _typed_as_sent(schemas: dict[str, Any]) -> None:
    for (model, field), name in AS_SENT.items():
        prop = schemas[model]["properties"][field]
        ref = {"$ref": REF.format(name=name)}
        for variant in prop.get("anyOf", [prop]):
            if variant.get("type") == "object":
                variant.clear()
                variant.update(ref)
            elif variant.get("type") == "array":
                variant["items"] = ref


INPUT = "Input"
"""The suffix of a request's copy of a component answers also hold (``RateControlInput``)."""


def _split_inputs(doc: dict[str, Any]) -> None:
    """Each ``AS_SENT`` component in two: ``<name>Input`` in request bodies (fields with
    a default optional) and ``<name>`` in answers (every field sent, so required)."""
    split = set(AS_SENT.values())
    schemas = doc["components"]["schemas"]

    def to_input(node: dict[str, Any]) -> dict[str, Any]:
        ref = node.get("$ref")
        if isinstance(ref, str) and (name := ref.rsplit("/", 1)[1]) in split:
            return {**node, "$ref": REF.format(name=name + INPUT)}
        return node

    for name in request_components(doc):
        shaped = _walk(schemas[name], to_input)
        if name in split:
            schemas[name + INPUT] = {**shaped, "title": name + INPUT}
        else:
            schemas[name] = shaped
    for ops in doc["paths"].values():
        for op in ops.values():
            if "requestBody" in op:
                op["requestBody"] = _walk(op["requestBody"], to_input)


def _sent_always(schema: dict[str, Any]) -> None:
    """An answer's field with a default is always sent (msgspec encodes defaults: no
    model sets ``omit_defaults``): required, without the default. A field left out when
    unset (``Job.executions``: ``UNSET``) has no default and stays optional."""
    props = schema.get("properties", {})
    with_default = [name for name, prop in props.items() if "default" in prop]
    for name in with_default:
        del props[name]["default"]
    required = schema.get("required", [])
    if added := [name for name in with_default if name not in required]:
        schema["required"] = [*required, *added]


def for_generators(source: dict[str, Any]) -> dict[str, Any]:
    doc = copy.deepcopy(source)
    schemas = doc["components"]["schemas"]
    _typed_as_sent(schemas)
    _split_inputs(doc)
    inputs = request_components(doc)
    for name, schema in schemas.items():
        if name not in inputs:
            _sent_always(schema)
    for name in inputs:
        for prop in schemas[name].get("properties", {}).values():
            _as_input(prop)
    for ops in doc["paths"].values():
        for op in ops.values():
            for param in op.get("parameters", []):
                if param["in"] == "query":
                    _as_input(param["schema"])
                    if "description" in param["schema"]:
                        param["description"] = param["schema"].pop("description")
    doc = _walk(doc, _free_form)
    enums: dict[str, dict[str, Any]] = {}
    doc = _walk(doc, _hoisted(enums))
    doc["components"]["schemas"].update(enums)
    return doc
