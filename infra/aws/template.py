"""Read ``template.yaml``, the one description of the deployed system.

The local cloud (``infra/local``) and the tests read the template through these
functions, so their names and return shapes are a stable contract:

``load_template(path=TEMPLATE_PATH) -> dict``
    The parsed template. CloudFormation short-form tags become their long form
    (``!Ref X`` -> ``{"Ref": "X"}``, ``!GetAtt A.b`` -> ``{"Fn::GetAtt": ["A", "b"]}``,
    ``!Sub s`` -> ``{"Fn::Sub": s}``, ...); nothing is resolved.
``api_routes(template) -> set[(path, METHOD)]``
    Every ``Type: Api`` event of every function, e.g. ``("/api/v1/jobs/{job_id}", "GET")``.
    OPTIONS is not among them: API Gateway answers preflight itself (see ``api_cors``).
``schedules(template) -> list[(function logical id, handler, schedule expression)]``
    Every ``Type: Schedule``/``ScheduleV2`` event, e.g. ``("TickFunction", "app.tick",
    "rate(1 minute)")``; ``rate_seconds`` turns a ``rate(...)`` into seconds.
``functions(template) -> dict[logical id, Function]``
    Each ``AWS::Serverless::Function`` with the template's ``Globals`` merged in.
``api_cors(template) -> dict[header, value] | None``
    The preflight headers API Gateway sends for the API (quotes stripped).
``api_stage(template) -> str``
    The API's stage name (the first path segment of the deployed URL).
``environment(function, parameters=None, stack_name=...) -> dict[name, str | None]``
    A function's environment with ``Ref``/``Sub`` of parameters resolved; values that
    only exist in AWS (``{{resolve:secretsmanager:...}}``) are ``None``, for the caller
    to supply (the local cloud takes them from its own settings).

Constants that callers use too: ``TEMPLATE_PATH``, ``FUNCTION_TYPE``, ``API_TYPE``,
``SCHEDULE_EVENT_TYPES``, ``DEFAULT_TIMEOUT_S``, ``DEFAULT_MEMORY_MB``.

Pure Python (PyYAML only); no boto3, no cfn-lint.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "API_TYPE",
    "DEFAULT_MEMORY_MB",
    "DEFAULT_TIMEOUT_S",
    "FUNCTION_TYPE",
    "SCHEDULE_EVENT_TYPES",
    "TEMPLATE_PATH",
    "Function",
    "api_cors",
    "api_routes",
    "api_stage",
    "environment",
    "functions",
    "load_template",
    "loads",
    "rate_seconds",
    "schedules",
]

TEMPLATE_PATH = Path(__file__).resolve().parents[2] / "template.yaml"

FUNCTION_TYPE = "AWS::Serverless::Function"
API_TYPE = "AWS::Serverless::Api"
SCHEDULE_EVENT_TYPES = ("Schedule", "ScheduleV2")

# Lambda's own defaults, used when neither the function nor Globals set them.
DEFAULT_TIMEOUT_S = 3
DEFAULT_MEMORY_MB = 128


# --------------------------------------------------------------------------- parsing


class _CfnLoader(yaml.SafeLoader):
    """A SafeLoader that knows CloudFormation's short-form intrinsic tags."""


# CloudFormation reads 2010-09-09 as a string, not a date.
_CfnLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_intrinsic(loader: _CfnLoader, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    if tag_suffix in ("Ref", "Condition"):
        return {tag_suffix: value}
    if tag_suffix == "GetAtt" and isinstance(value, str):
        resource, _, attribute = value.partition(".")
        value = [resource, attribute]
    return {f"Fn::{tag_suffix}": value}


_CfnLoader.add_multi_constructor("!", _construct_intrinsic)


def loads(text: str) -> dict[str, Any]:
    """Parse a template from a YAML (or JSON) string."""
    template = yaml.load(text, Loader=_CfnLoader)  # a SafeLoader subclass
    if not isinstance(template, dict):
        raise ValueError("a template must be a mapping at the top level")
    return template


def load_template(path: str | Path = TEMPLATE_PATH) -> dict[str, Any]:
    """Parse the template at ``path`` (default: the repository's template.yaml)."""
    return loads(Path(path).read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- functions


@dataclass(frozen=True)
class Function:
    """One ``AWS::Serverless::Function``, Globals merged in.

    ``environment`` and ``events`` hold raw template values (intrinsics unresolved);
    ``environment()`` in this module resolves what can be resolved off AWS.
    """

    logical_id: str
    handler: str
    runtime: str | None
    code_uri: Any
    timeout_s: Any = DEFAULT_TIMEOUT_S
    memory_mb: Any = DEFAULT_MEMORY_MB
    environment: dict[str, Any] = field(default_factory=dict)
    events: dict[str, dict[str, Any]] = field(default_factory=dict)
    properties: dict[str, Any] = field(default_factory=dict)


def _resources(template: Mapping[str, Any], type_: str) -> dict[str, dict[str, Any]]:
    resources = template.get("Resources") or {}
    return {name: res for name, res in resources.items() if res.get("Type") == type_}


def _merged_properties(template: Mapping[str, Any], resource: Mapping[str, Any]) -> dict:
    """SAM's Globals rule, as far as we use it: maps merge, the resource wins."""
    globals_ = ((template.get("Globals") or {}).get("Function")) or {}
    return _merge(globals_, resource.get("Properties") or {})


def _merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def functions(template: Mapping[str, Any]) -> dict[str, Function]:
    """Every serverless function by logical id, with Globals merged in."""
    result = {}
    for logical_id, resource in _resources(template, FUNCTION_TYPE).items():
        props = _merged_properties(template, resource)
        result[logical_id] = Function(
            logical_id=logical_id,
            handler=props.get("Handler", ""),
            runtime=props.get("Runtime"),
            code_uri=props.get("CodeUri"),
            timeout_s=props.get("Timeout", DEFAULT_TIMEOUT_S),
            memory_mb=props.get("MemorySize", DEFAULT_MEMORY_MB),
            environment=dict((props.get("Environment") or {}).get("Variables") or {}),
            events=dict(props.get("Events") or {}),
            properties=props,
        )
    return result


# --------------------------------------------------------------------------- events


def api_routes(template: Mapping[str, Any]) -> set[tuple[str, str]]:
    """(path, METHOD) of every ``Type: Api`` event, e.g. ("/api/v1/health", "GET")."""
    routes = set()
    for function in functions(template).values():
        for event in function.events.values():
            if event.get("Type") == "Api":
                props = event.get("Properties") or {}
                routes.add((props["Path"], str(props["Method"]).upper()))
    return routes


def schedules(template: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(function logical id, handler, expression) of every schedule event, in file order."""
    result = []
    for function in functions(template).values():
        for event in function.events.values():
            if event.get("Type") in SCHEDULE_EVENT_TYPES:
                props = event.get("Properties") or {}
                expression = props.get("Schedule") or props.get("ScheduleExpression")
                result.append((function.logical_id, function.handler, expression))
    return result


_RATE = re.compile(r"^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


def rate_seconds(expression: str) -> int:
    """Seconds between fires of ``rate(N unit)``; ValueError for ``cron(...)`` or junk."""
    match = _RATE.match(expression.strip())
    if not match:
        raise ValueError(f"not a rate() schedule expression: {expression!r}")
    count, unit = int(match.group(1)), match.group(2).rstrip("s")
    if count <= 0:
        raise ValueError(f"rate must be positive: {expression!r}")
    return count * _UNIT_SECONDS[unit]


# --------------------------------------------------------------------------- API


def _api(template: Mapping[str, Any]) -> dict[str, Any]:
    apis = _resources(template, API_TYPE)
    if len(apis) != 1:
        raise ValueError(f"expected exactly one {API_TYPE}, found {sorted(apis)}")
    (api,) = apis.values()
    return api.get("Properties") or {}


def api_stage(template: Mapping[str, Any]) -> str:
    """The API's StageName (a literal in our template)."""
    return _api(template)["StageName"]


def api_cors(template: Mapping[str, Any]) -> dict[str, str] | None:
    """Preflight response headers of the API, or None when it has no Cors.

    API Gateway takes Cors values as quoted literals (``"'*'"``); the quotes are
    stripped here. Access-Control-Allow-Methods is left out: API Gateway lists
    the methods of the requested path (plus OPTIONS), which the caller knows.
    """
    cors = _api(template).get("Cors")
    if cors is None:
        return None
    if isinstance(cors, str):
        cors = {"AllowOrigin": cors}
    names = {
        "AllowOrigin": "Access-Control-Allow-Origin",
        "AllowHeaders": "Access-Control-Allow-Headers",
        "MaxAge": "Access-Control-Max-Age",
        "AllowCredentials": "Access-Control-Allow-Credentials",
    }
    headers = {}
    for key, header in names.items():
        if key in cors:
            value = cors[key]
            headers[header] = str(value).lower() if isinstance(value, bool) else _unquote(value)
    return headers


def _unquote(value: Any) -> str:
    text = str(value)
    if len(text) >= 2 and text[0] == text[-1] == "'":
        return text[1:-1]
    return text


# --------------------------------------------------------------------------- environment

_SUB_VAR = re.compile(r"\$\{([^}!]+)\}")


def environment(
    function: Function,
    parameters: Mapping[str, str] | None = None,
    *,
    template: Mapping[str, Any] | None = None,
    stack_name: str = "job-scheduler-local",
    region: str = "us-east-1",
) -> dict[str, str | None]:
    """A function's environment as strings, resolved as far as is possible off AWS.

    ``Ref`` and string ``Fn::Sub`` of parameters use ``parameters`` first, then the
    parameter's Default from ``template``; ``AWS::StackName``/``AWS::Region`` use the
    keyword arguments. A value that needs AWS (a ``{{resolve:...}}`` dynamic
    reference, ``Fn::GetAtt``, an unknown parameter) is None.
    """
    values = dict(_parameter_defaults(template) if template is not None else {})
    values.update(parameters or {})
    values.update({"AWS::StackName": stack_name, "AWS::Region": region})
    return {name: _resolve(raw, values) for name, raw in function.environment.items()}


def _parameter_defaults(template: Mapping[str, Any]) -> dict[str, str]:
    defaults = {}
    for name, spec in (template.get("Parameters") or {}).items():
        if "Default" in spec:
            defaults[name] = _scalar(spec["Default"])
    return defaults


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list):
        return ",".join(_scalar(v) for v in value)
    return str(value)


def _resolve(raw: Any, values: Mapping[str, str]) -> str | None:
    if isinstance(raw, dict) and set(raw) == {"Ref"}:
        text: str | None = values.get(raw["Ref"])
    elif isinstance(raw, dict) and set(raw) == {"Fn::Sub"} and isinstance(raw["Fn::Sub"], str):
        missing = [m for m in _SUB_VAR.findall(raw["Fn::Sub"]) if m not in values]
        text = None if missing else _SUB_VAR.sub(lambda m: values[m.group(1)], raw["Fn::Sub"])
    elif isinstance(raw, dict):
        text = None
    else:
        text = _scalar(raw)
    if text is not None and "{{resolve:" in text:
        return None
    return text
