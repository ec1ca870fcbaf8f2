"""Input checked against the contract's models, naming every bad field at once.

Bodies (``validate_job_create``, ``validate_job_update``, ``validate_trigger``) and
queries (``load_query(Model, params)``) are converted into the contract's models, or
refused with one ``ValidationError`` listing *all* the problems, so a form can show
them together: msgspec stops at the first error, so each field is converted on its own,
and a list of models (a trigger's ``runs``) item by item (``runs[3].payload``).
The message for a field comes from its type (``must be an integer between 0 and
100``), so what is refused and what the OpenAPI document says cannot drift apart.

The ``validate_*`` functions add what a model cannot know: the handlers a job may name
(and each handler's own payload rules) and rules across fields. The handlers come in as
a ``Handlers`` value (the worker's registry or the API's catalog) and the settings their
rules read as an opaque value handed to them, so this module stays pure: it imports
neither the registry nor the settings.
"""

from __future__ import annotations

import copy
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Annotated, Any, Literal, Protocol, TypeVar, Union, get_args, get_origin

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType

from jobsched.domain import business_schedule, contract, flow, spread, windows
from jobsched.domain.contract import READ_ONLY, Check, JobCreate, JobUpdate, Trigger
from jobsched.domain.models import DEFAULT_POOL
from jobsched.errors import ValidationError

M = TypeVar("M", bound=Struct)
_BAD = object()
_UNIONS = (Union, types.UnionType)


@dataclass(frozen=True)
class _Field:
    name: str
    type: Any
    required: bool
    checks: tuple[Check, ...]
    problem: str
    """What is wrong with a value that does not convert (derived from the type)."""
    override: bool
    """The type names its own problem: checks report that, not their own text."""
    items: type[Struct] | None
    """For a list of models: the model each item is loaded as, one by one."""
    member: Any
    """The one type a value may have (None when the field takes several)."""
    length: tuple[int | None, int | None] = (None, None)
    """For a list of models: the bounds of its length."""


def _members(tp: Any) -> list[Any]:
    """The alternatives of a union, without None and UNSET."""
    if get_origin(tp) in _UNIONS:
        return [m for m in get_args(tp) if m not in (type(None), UnsetType)]
    return [tp]


def _split(tp: Any) -> tuple[Any, list[Meta]]:
    if get_origin(tp) is Annotated:
        base, *extras = get_args(tp)
        return base, [m for m in extras if isinstance(m, Meta)]
    return tp, []


def _bounds(metas: list[Meta], low: str, high: str) -> tuple[Any, Any]:
    lo = next((getattr(m, low) for m in metas if getattr(m, low) is not None), None)
    hi = next((getattr(m, high) for m in metas if getattr(m, high) is not None), None)
    return lo, hi


def _describe(tp: Any) -> str:
    base, metas = _split(tp)
    for meta in metas:
        if meta.extra and meta.extra.get("problem"):
            return meta.extra["problem"].removeprefix("must be ")
    if get_origin(base) is Literal:
        return "one of " + ", ".join(str(v) for v in get_args(base))
    if base is int:
        lo, hi = _bounds(metas, "ge", "le")
        if lo is not None and hi is not None:
            return f"an integer between {lo} and {hi}"
        return "an integer" + (f" of at least {lo}" if lo is not None else "")
    if base is str:
        shortest, longest = _bounds(metas, "min_length", "max_length")
        text = "a non-empty string" if shortest else "a string"
        return text + (f" of at most {longest} characters" if longest else "")
    if base is dict or get_origin(base) is dict or _is_model(base):
        return "a JSON object"
    if get_origin(base) is list:
        lo, hi = _bounds(metas, "min_length", "max_length")
        if lo is not None and hi is not None:
            return f"a list of {lo} to {hi} items"
        return "a list"
    if base is bool:
        return "true or false"
    if getattr(base, "__name__", "") == "datetime":
        return "an ISO 8601 time"
    return "valid"


def _problem(tp: Any, in_query: bool) -> str:
    members = _members(tp)
    text = " or ".join(_describe(m) for m in members)
    # A query parameter cannot be null, only left out.
    nullable = not in_query and get_origin(tp) in _UNIONS and type(None) in get_args(tp)
    return "must be " + text + (", or null" if nullable else "")


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, Struct)


def _field(name: str, tp: Any, required: bool, in_query: bool) -> _Field:
    checks: list[Check] = []
    items, override = None, False
    length: tuple[int | None, int | None] = (None, None)
    for member in _members(tp):
        base, metas = _split(member)
        for meta in metas:
            checks.extend((meta.extra or {}).get("checks", ()))
            override = override or bool((meta.extra or {}).get("problem"))
        if get_origin(base) is list and _is_model(get_args(base)[0]):
            items = get_args(base)[0]
            length = _bounds(metas, "min_length", "max_length")
    members = _members(tp)
    member = members[0] if len(members) == 1 else None
    problem = _problem(tp, in_query)
    return _Field(name, tp, required, tuple(checks), problem, override, items, member, length)


def _missed_bound(f: _Field, value: Any, strict: bool) -> str | None:
    """For a value of the right kind that is only too small, big, short or long: the
    bound it missed, which is what a person fixes (``must be between 0 and 100``)."""
    if f.member is None or f.override:
        return None
    base, metas = _split(f.member)
    if base is int and not strict and isinstance(value, str):
        try:  # a query parameter: text that is a number
            value = int(value)
        except ValueError:
            return None
    if base is int and isinstance(value, int) and not isinstance(value, bool):
        low, high = _bounds(metas, "ge", "le")
        if low is not None and high is not None:
            return f"must be between {low} and {high}"
    if base is str and isinstance(value, str):
        shortest, longest = _bounds(metas, "min_length", "max_length")
        if longest is not None and len(value) > longest:
            return f"must be at most {longest} characters"
        if shortest == 1 and not value:
            return "must be a non-empty string"
    return None


@cache
def _fields(model: type[Struct]) -> tuple[_Field, ...]:
    hints = typing.get_type_hints(model, include_extras=True)
    in_query = not model.__struct_config__.forbid_unknown_fields
    return tuple(
        _field(f.name, hints[f.name], f.required, in_query) for f in msgspec.structs.fields(model)
    )


def _convert(f: _Field, value: Any, path: str, strict: bool, errors: dict[str, str]) -> Any:
    if f.items is not None and isinstance(value, list):
        # The list itself (its length) first, then each item against its model (an
        # item's required fields are its own problems, named by its index).
        shortest, longest = f.length
        if (shortest is not None and len(value) < shortest) or (
            longest is not None and len(value) > longest
        ):
            errors[path] = f.problem
            return _BAD
        loaded = [
            _load(f.items, item, f"{path}[{i}]", strict, errors) for i, item in enumerate(value)
        ]
        return _BAD if any(item is _BAD for item in loaded) else loaded
    if _is_model(f.member) and isinstance(value, dict):
        # A nested model (a flow control): each of its fields named (concurrency.limit).
        return _load(f.member, value, path, strict, errors)
    try:
        converted = msgspec.convert(value, f.type, strict=strict)
    except msgspec.ValidationError:
        errors[path] = _missed_bound(f, value, strict) or f.problem
        return _BAD
    except UnicodeEncodeError:
        # msgspec raises this, not a ValidationError, for text with an unpaired
        # surrogate where it expects anything but text (an integer, an enum, a time).
        errors[path] = f.problem
        return _BAD
    if converted is not None and converted is not UNSET:
        for check in f.checks:
            if problem := check(converted):
                errors[path] = f.problem if f.override else problem
                return _BAD
    return converted


def _values(
    model: type[Struct], data: Any, where: str, strict: bool, errors: dict[str, str]
) -> dict[str, Any] | None:
    """The fields of ``data`` that convert, as their types; each problem goes into
    ``errors``. None when ``data`` is not an object at all."""
    if not isinstance(data, dict):
        errors[where or "body"] = "must be a JSON object"
        return None
    prefix = f"{where}." if where else ""
    fields = _fields(model)
    if model.__struct_config__.forbid_unknown_fields:
        known = {f.name for f in fields}
        errors.update({f"{prefix}{k}": "unknown field" for k in data if k not in known})
    values: dict[str, Any] = {}
    for f in fields:
        if f.name not in data:
            if f.required:
                errors[prefix + f.name] = "is required"
            continue
        value = _convert(f, data[f.name], prefix + f.name, strict, errors)
        if value is not _BAD:
            values[f.name] = value
    return values


def _load(model: type[M], data: Any, where: str, strict: bool, errors: dict[str, str]) -> Any:
    before = len(errors)
    values = _values(model, data, where, strict, errors)
    return _BAD if values is None or len(errors) > before else model(**values)


def load_query(model: type[M], params: typing.Mapping[str, Any]) -> M:
    """Query parameters as ``model``: text is converted to the field's type, and an
    empty parameter counts as absent."""
    data = {k: v for k, v in params.items() if v not in (None, "")}
    errors: dict[str, str] = {}
    loaded = _load(model, data, "", False, errors)
    if errors:
        raise ValidationError(errors)
    return loaded


def field_values(model: type[Struct], body: Any, errors: dict[str, str]) -> dict[str, Any] | None:
    """The fields of a JSON body that convert to ``model``'s types (strict), each problem
    added to ``errors``; None when the body is no object. For a body whose rules across
    fields are checked before one ``ValidationError`` names them all (a workflow's)."""
    return _values(model, body, "", True, errors)


def load_body(model: type[M], body: Any) -> M:
    """A JSON body as ``model`` (strict: text is not a number), every problem named."""
    errors: dict[str, str] = {}
    loaded = _load(model, body, "", True, errors)
    if errors:
        raise ValidationError(errors)
    return loaded


MAX_IDEMPOTENCY_KEY = 200


def idempotency_key_problem(key: str) -> str | None:
    """What is wrong with an Idempotency-Key header value (None: nothing)."""
    if not key.strip():
        return "must not be blank"
    if len(key) > MAX_IDEMPOTENCY_KEY:
        return f"must be at most {MAX_IDEMPOTENCY_KEY} characters"
    if not key.isprintable():
        return "must be printable text"
    return None


def present(model: Struct) -> dict[str, Any]:
    """The fields a request set (those left UNSET are left out), values as loaded."""
    return {k: v for k, v in msgspec.structs.asdict(model).items() if v is not UNSET}


# ------------------------------------------------------------------------- jobs

DEFAULTS: dict[str, Any] = {
    f.name: f.default_factory() if f.default is msgspec.NODEFAULT else f.default
    for f in msgspec.structs.fields(JobCreate)
    if not f.required
}
"""A new job's defaults, from the model."""
WRITABLE = tuple(f.name for f in msgspec.structs.fields(JobCreate))


PayloadCheck = Callable[[dict[str, Any], Any], dict[str, str]]
"""A handler's payload rules: ``(payload, settings) -> {field: problem}``."""


class HandlerRules(Protocol):
    """A handler as validation sees it (``jobsched.registry.Handler`` is one)."""

    @property
    def pool(self) -> str: ...

    @property
    def validate(self) -> PayloadCheck: ...


class Handlers(Protocol):
    """The handlers a job may name: the worker's registry, or the API's catalog."""

    def get(self, name: str) -> HandlerRules | None: ...

    def names(self) -> list[str]: ...


def _check_job(
    data: dict[str, Any], errors: dict[str, str], registry: Handlers, settings: object
) -> None:
    """Rules beyond each field's own type, on the job as it would be stored. Each runs
    when the fields it reads are sound, so one response names every problem it can."""
    if "handler" in data and "handler" not in errors:
        handler = registry.get(data["handler"])
        if handler is None:
            errors["handler"] = "unknown handler; known: " + ", ".join(registry.names())
        elif "payload" not in errors:
            errors.update(handler.validate(data["payload"], settings))
    backoff = ("retry_backoff_ms", "retry_backoff_max_ms")
    sound = not any(k in errors for k in backoff)
    if sound and data["retry_backoff_max_ms"] < data["retry_backoff_ms"]:
        errors["retry_backoff_max_ms"] = "must be at least retry_backoff_ms"
    if data.get("notify_url") and "notify_url" not in errors:
        webhook = registry.get("http.webhook")
        problems = webhook.validate({"url": data["notify_url"]}, settings) if webhook else {}
        if problems:
            errors["notify_url"] = next(iter(problems.values()))
    if data.get("run_at") is not None and data.get("schedule") is not None:
        errors.setdefault("run_at", "not allowed together with schedule (a one-off job)")
    _check_calendar_fields(data, errors)


def _check_calendar_fields(data: dict[str, Any], errors: dict[str, str]) -> None:
    """A job's calendar, business-day rule, windows, blackouts and bounds (issue 25):
    each bad one named (``windows[0].from``, ``business_day_rule.at``). Whether the
    calendar exists is the use case's to say (it reads the store)."""
    rule = data.get("business_day_rule")
    if rule is not None and "business_day_rule" not in errors:
        if data.get("calendar") is None:
            errors.setdefault("calendar", "required with business_day_rule")
        for other in ("schedule", "run_at"):
            if data.get(other) is not None:
                errors.setdefault(other, "not allowed together with business_day_rule")
        try:
            business_schedule.business_day_rule_from_dict(rule)
        except ValidationError as bad:
            for key, problem in bad.fields.items():
                where = key if key == "business_day_rule" else f"business_day_rule.{key}"
                errors.setdefault(where, problem)
    if data.get("non_business_day", "skip") != "skip" and data.get("calendar") is None:
        errors.setdefault("calendar", "required with non_business_day next or previous")
    if not any(k in errors for k in ("windows", "blackouts", "outside_window", "timezone")):
        try:
            windows.policy_from_dict(data, data.get("timezone") or "UTC")
        except ValidationError as bad:
            for key, problem in bad.fields.items():
                errors.setdefault(key, problem)
    start, end = utc(data.get("start_at")), utc(data.get("end_at"))
    if start and end and end <= start and not {"start_at", "end_at"} & set(errors):
        errors["end_at"] = "must be after start_at"


def _check_flow(data: dict[str, Any], errors: dict[str, str]) -> None:
    """A debounce waits at most max_delay_ms; a job whose own payload its runs use (a
    scheduled or one-off job) must give each control's key."""
    debounce = data.get("debounce")
    longest = debounce.get("max_delay_ms") if debounce and "debounce" not in errors else None
    if longest is not None and longest < debounce["delay_ms"]:
        errors["debounce.max_delay_ms"] = "must be at least delay_ms"
    payload = data.get("payload")
    rule = data.get("spread")
    if rule and "spread" not in errors:
        if data.get("schedule") is None:
            errors["spread"] = "only for a job with a schedule: it spreads each occurrence"
        elif "payload" not in errors:
            try:
                keys = spread.keys_of(rule, payload)
                # Its runs' payloads hold their key: the controls' keys may read it.
                payload = {**payload, rule.get("field") or spread.DEFAULT_FIELD: keys[0]}
            except flow.KeyMissing as exc:
                errors.setdefault(exc.field, exc.problem)
    scheduled = data.get("schedule") is not None or data.get("run_at") is not None
    if scheduled and "payload" not in errors:
        controls = {k: data[k] for k in flow.CONTROLS if data.get(k) and k not in errors}
        for path, problem in flow.key_problems(controls, payload).items():
            errors.setdefault(path, problem)


def _validate(
    model: type[Struct],
    body: Any,
    current: dict[str, Any],
    registry: Handlers,
    settings: object,
) -> dict[str, Any]:
    errors: dict[str, str] = {}
    values = _values(model, body, "", True, errors)
    if values is None:
        raise ValidationError(errors)
    data = {**current, **{k: v for k, v in values.items() if k not in READ_ONLY}}
    for name in flow.CONTROLS:
        # A control kept as stored that no longer reads must be sent anew (or null).
        if name not in values and (problem := flow.stored_control_problem(name, data.get(name))):
            errors[name] = f"is required: as stored it no longer reads ({problem})"
    for name in (*flow.CONTROLS, "spread"):  # stored as the API takes them: plain JSON
        if isinstance(data.get(name), Struct):
            data[name] = msgspec.to_builtins(data[name])
    _check_job(data, errors, registry, settings)
    _check_flow(data, errors)
    if errors:
        raise ValidationError(errors)
    if "pool" not in values and data["handler"] != current.get("handler"):
        # A job that ran on its old handler's pool follows its new handler's.
        before = registry.get(current["handler"]) if current.get("handler") else None
        if before is None or current["pool"] in (None, before.pool):
            data["pool"] = None
    if data["pool"] is None:  # the handler's pool, unless the job names one
        handler = registry.get(data["handler"])
        data["pool"] = handler.pool if handler is not None else DEFAULT_POOL
    data["name"] = data["name"].strip()
    data["run_at"] = utc(data.get("run_at"))
    data["start_at"], data["end_at"] = utc(data.get("start_at")), utc(data.get("end_at"))
    if data["description"] is None:
        data["description"] = ""
    if data["schedule"] is not None:  # the form croniter and the tick read
        data["schedule"] = " ".join(data["schedule"].split())
    return data


def validate_job_create(body: Any, registry: Handlers, settings: object) -> dict[str, Any]:
    """A new job's fields, defaults filled in."""
    return _validate(JobCreate, body, copy.deepcopy(DEFAULTS), registry, settings)


def validate_job_update(
    body: Any, current: dict[str, Any], registry: Handlers, settings: object
) -> dict[str, Any]:
    """Partial update: fields left out keep their value; read-only fields are ignored."""
    return _validate(JobUpdate, body, {k: current[k] for k in WRITABLE}, registry, settings)


# --------------------------------------------------------------------- triggers


def validate_trigger(
    body: Any, handler: HandlerRules | None, settings: object, now: datetime | None = None
) -> list[dict[str, Any]]:
    """The runs a trigger asks for, each one's overrides: one run for ``{payload?,
    priority?}`` (or no body), many for ``{"runs": [...]}``. An overriding payload must
    fit the job's handler, like the job's own; every problem of every run is named
    (``runs[3].payload``). With ``now``, a ``run_at`` may be at most as far ahead as
    ``delay_ms`` may (``MAX_DELAY_MS``): a run for the year 2999 would wait forever."""
    body = {} if body is None else body
    errors: dict[str, str] = {}
    values = _values(Trigger, body, "", True, errors)
    if values is None:
        raise ValidationError(errors)
    batch = "runs" in body
    raw_executions = body["runs"] if batch and isinstance(body.get("runs"), list) else [body]
    for i, run in enumerate(raw_executions):
        if isinstance(run, dict) and "run_at" in run and "delay_ms" in run:
            prefix = f"runs[{i}]." if batch else ""
            errors[prefix + "delay_ms"] = "not allowed together with run_at"
    if batch:
        errors.update(
            {
                k: "not allowed together with runs"
                for k in ("payload", "priority", "run_at", "delay_ms")
                if k in body
            }
        )
    raw = [body] if not batch else [] if "runs" in errors else body["runs"]
    for i, run in enumerate(raw):
        prefix = f"runs[{i}]." if batch else ""
        payload = run.get("payload") if isinstance(run, dict) else None
        sound = not any(k.startswith(prefix + "payload") for k in errors)
        if handler is not None and isinstance(payload, dict) and sound:
            problems = handler.validate(payload, settings)
            errors.update({prefix + name: problem for name, problem in problems.items()})
    if errors:
        raise ValidationError(errors)
    runs = [present(run) for run in values["runs"]] if batch else [values]
    for run in runs:
        if "run_at" in run:
            run["run_at"] = utc(run["run_at"])
    if now is not None:
        latest = now + timedelta(milliseconds=contract.MAX_DELAY_MS)
        days = contract.MAX_DELAY_MS // contract.MAX_DAY_MS
        for i, run in enumerate(runs):
            if "run_at" in run and run["run_at"] > latest:
                prefix = f"runs[{i}]." if batch else ""
                errors[prefix + "run_at"] = f"must be at most {days} days from now (as delay_ms)"
    if errors:
        raise ValidationError(errors)
    return runs


def utc(when: datetime | str | None) -> datetime | None:
    """A time sent without an offset is UTC (a job's current values hold ISO text)."""
    if isinstance(when, str):
        when = datetime.fromisoformat(when)
    return when if when is None or when.tzinfo else when.replace(tzinfo=UTC)
