"""What the local cloud needs from ``template.yaml``: functions, API routes, schedules.

``infra.aws.template`` is the one reader of the template (the deploy side owns it); this
module only reshapes its answers for emulation: which function serves each route, each
function's Timeout and MemorySize as numbers, each schedule's EventBridge rule id.

Handlers resolve against the source tree: the Lambda package has ``app.py`` at its root,
the repo has it at ``app/app.py``, so ``"app.app"`` resolves to ``app.app:app`` under
``package="app"``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infra.aws import template as reader
from infra.local.errors import LocalCloudError

DEFAULT_STAGE = "Prod"  # SAM's implicit API stage, when the template declares no API


@dataclass(frozen=True)
class FunctionSpec:
    logical_id: str
    handler: str
    timeout_s: int = reader.DEFAULT_TIMEOUT_S
    memory_mb: int = reader.DEFAULT_MEMORY_MB


@dataclass(frozen=True)
class RouteSpec:
    path: str  # API Gateway resource path, e.g. /api/v1/jobs/{job_id}
    method: str  # upper case; ANY matches every method
    function: FunctionSpec


@dataclass(frozen=True)
class ScheduleSpec:
    rule_id: str  # the EventBridge rule's logical id (SAM names it <Function><Event>)
    expression: str  # rate(...) or cron(...)
    function: FunctionSpec


@dataclass(frozen=True)
class StackSpec:
    functions: dict[str, FunctionSpec]
    routes: list[RouteSpec]
    schedules: list[ScheduleSpec]
    stage: str = DEFAULT_STAGE
    cors: dict[str, str] | None = None  # preflight headers, Allow-Methods aside
    # Headers API Gateway adds to its own errors: {"DEFAULT_4XX": {...}, "DEFAULT_5XX": {...}}
    gateway_headers: dict[str, dict[str, str]] = field(default_factory=dict)


def load_template(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    if not path.exists():
        raise LocalCloudError(f"no template at {path}: the local cloud emulates template.yaml")
    return reader.load_template(path)


def read_stack(template: Mapping[str, Any]) -> StackSpec:
    functions = {
        logical_id: FunctionSpec(
            logical_id=logical_id,
            handler=fn.handler,
            timeout_s=_int(template, fn.timeout_s, reader.DEFAULT_TIMEOUT_S),
            memory_mb=_int(template, fn.memory_mb, reader.DEFAULT_MEMORY_MB),
        )
        for logical_id, fn in reader.functions(template).items()
        if isinstance(fn.handler, str) and fn.handler
    }
    return StackSpec(
        functions=functions,
        routes=_routes(template, functions),
        schedules=_schedules(template, functions),
        stage=_stage(template),
        cors=_cors(template),
        gateway_headers=_gateway_headers(template),
    )


def _int(template: Mapping[str, Any], value: Any, default: int) -> int:
    """A literal, or a !Ref to a parameter's Default; anything else gets Lambda's default."""
    if isinstance(value, dict) and set(value) == {"Ref"}:
        value = ((template.get("Parameters") or {}).get(value["Ref"]) or {}).get("Default")
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _routes(template: Mapping[str, Any], functions: dict[str, FunctionSpec]) -> list[RouteSpec]:
    owner: dict[tuple[str, str], FunctionSpec] = {}
    for logical_id, fn in reader.functions(template).items():
        for event in fn.events.values():
            props = event.get("Properties") or {}
            if event.get("Type") == "Api" and logical_id in functions:
                owner[(props["Path"], str(props["Method"]).upper())] = functions[logical_id]
    routes = []
    for path, method in sorted(reader.api_routes(template)):
        spec = owner.get((path, method))
        if spec is None:
            raise LocalCloudError(f"route {method} {path}: no function with a handler serves it")
        routes.append(RouteSpec(path=path, method=method, function=spec))
    return routes


def _schedules(
    template: Mapping[str, Any], functions: dict[str, FunctionSpec]
) -> list[ScheduleSpec]:
    result = []
    all_functions = reader.functions(template)
    for logical_id, _handler, expression in reader.schedules(template):
        if logical_id not in functions:
            raise LocalCloudError(f"schedule {expression} of {logical_id}: it has no handler")
        props_of = {
            name: event.get("Properties") or {}
            for name, event in all_functions[logical_id].events.items()
            if event.get("Type") in reader.SCHEDULE_EVENT_TYPES
        }
        for event_name, props in props_of.items():
            if (props.get("Schedule") or props.get("ScheduleExpression")) != expression:
                continue
            if props.get("Enabled") is False or props.get("State") == "DISABLED":
                continue
            rule_id = logical_id + event_name
            if all(s.rule_id != rule_id for s in result):
                result.append(ScheduleSpec(rule_id, expression, functions[logical_id]))
    return result


def _stage(template: Mapping[str, Any]) -> str:
    try:
        return reader.api_stage(template)
    except (ValueError, KeyError):
        return DEFAULT_STAGE


def _cors(template: Mapping[str, Any]) -> dict[str, str] | None:
    try:
        return reader.api_cors(template)
    except ValueError:
        return None


def _gateway_headers(template: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """GatewayResponses headers of the (single) API, quotes stripped: '*' -> *."""
    result: dict[str, dict[str, str]] = {}
    for resource in (template.get("Resources") or {}).values():
        if resource.get("Type") != reader.API_TYPE:
            continue
        responses = (resource.get("Properties") or {}).get("GatewayResponses") or {}
        for kind, response in responses.items():
            headers = ((response or {}).get("ResponseParameters") or {}).get("Headers") or {}
            result[kind] = {
                name: str(value).strip("'")
                for name, value in headers.items()
                if isinstance(value, str)
            }
    return result


def resolve_handler(handler: str, package: str | None = "app") -> Callable[..., Any]:
    """``"module.attr"`` -> the callable, importing ``<package>.<module>`` from the source tree."""
    module_name, _, attr = handler.rpartition(".")
    if not module_name or not attr:
        raise LocalCloudError(f"handler {handler!r} is not of the form module.attribute")
    full_name = f"{package}.{module_name}" if package else module_name
    module = importlib.import_module(full_name)
    try:
        return getattr(module, attr)
    except AttributeError:
        raise LocalCloudError(f"handler {handler!r}: {full_name} has no {attr!r}") from None
