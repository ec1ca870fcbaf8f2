"""Validation of job input. Every bad field is named; nothing is half-applied.

``validate_job_create`` and ``validate_job_update`` return clean values or raise a
``ValidationError`` listing *all* the problems at once, so a form can show them
together.
"""

from __future__ import annotations

from typing import Any

from jobsched.domain import cron
from jobsched.domain.bounded import MAX_JSON_BYTES, object_problem, text_problem
from jobsched.errors import ValidationError
from jobsched.registry import HandlerRegistry
from jobsched.settings import Settings

MAX_NAME = 200
MAX_DESCRIPTION = 2_000
MAX_PAYLOAD_BYTES = MAX_JSON_BYTES
MAX_TIMEOUT_MS = 24 * 3600 * 1000
MAX_BACKOFF_MS = 24 * 3600 * 1000
MAX_RETRIES = 100

DEFAULTS: dict[str, Any] = {
    "description": "",
    "payload": {},
    "schedule": None,
    "timezone": "UTC",
    "priority": 50,
    "max_retries": 3,
    "timeout_ms": 60_000,
    "retry_backoff_ms": 1_000,
    "retry_backoff_max_ms": 60_000,
    "overlap_policy": "allow",
}
OVERLAP_POLICIES = ("allow", "skip")
WRITABLE = ("name", "handler", *DEFAULTS)
READ_ONLY = (
    "id",
    "status",
    "schedule_error",
    "next_run_time",
    "last_run_time",
    "upcoming_runs",
    "created_at",
    "updated_at",
)


def _int_in(value: Any, low: int, high: int) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return "must be an integer"
    if not low <= value <= high:
        return f"must be between {low} and {high}"
    return None


def _check_fields(
    data: dict[str, Any], registry: HandlerRegistry, settings: Settings
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if "name" in data:
        name = data["name"]
        if not isinstance(name, str) or not name.strip():
            errors["name"] = "must be a non-empty string"
        elif problem := text_problem(name, MAX_NAME):
            errors["name"] = problem
    if "description" in data:
        desc = data["description"]
        if desc is not None and not isinstance(desc, str):
            errors["description"] = "must be a string"
        elif desc and (problem := text_problem(desc, MAX_DESCRIPTION)):
            errors["description"] = problem
    if "handler" in data:
        handler = data["handler"]
        if not isinstance(handler, str) or handler not in registry:
            errors["handler"] = "unknown handler; known: " + ", ".join(registry.names())
    if "payload" in data and (problem := object_problem(data["payload"], MAX_PAYLOAD_BYTES)):
        errors["payload"] = problem
    if data.get("schedule") is not None:
        try:
            data["schedule"] = cron.validate_schedule(data["schedule"])
        except ValueError as exc:
            errors["schedule"] = str(exc)
    if "timezone" in data:
        try:
            cron.parse_timezone(data["timezone"])
        except ValueError as exc:
            errors["timezone"] = str(exc)
    if "overlap_policy" in data and data["overlap_policy"] not in OVERLAP_POLICIES:
        errors["overlap_policy"] = "must be one of " + ", ".join(OVERLAP_POLICIES)
    bounds = {
        "priority": (0, 100),
        "max_retries": (0, MAX_RETRIES),
        "timeout_ms": (1, MAX_TIMEOUT_MS),
        "retry_backoff_ms": (0, MAX_BACKOFF_MS),
        "retry_backoff_max_ms": (0, MAX_BACKOFF_MS),
    }
    for key, (low, high) in bounds.items():
        if key in data and (problem := _int_in(data[key], low, high)):
            errors[key] = problem
    return errors


def _check_handler_payload(
    data: dict[str, Any], registry: HandlerRegistry, settings: Settings
) -> dict[str, str]:
    handler = registry.get(data.get("handler", ""))
    if handler is None or not isinstance(data.get("payload"), dict):
        return {}
    return handler.validate(data["payload"], settings)


def _check_backoff(data: dict[str, Any]) -> dict[str, str]:
    initial, cap = data.get("retry_backoff_ms"), data.get("retry_backoff_max_ms")
    if isinstance(initial, int) and isinstance(cap, int) and cap < initial:
        return {"retry_backoff_max_ms": "must be at least retry_backoff_ms"}
    return {}


def _add_dependent_checks(
    errors: dict[str, str], data: dict[str, Any], registry: HandlerRegistry, settings: Settings
) -> None:
    """Checks that need other fields to be sound first; each runs when its inputs are,
    so one response names every problem it can."""
    if "handler" not in errors and "payload" not in errors:
        errors.update(_check_handler_payload(data, registry, settings))
    if "retry_backoff_ms" not in errors and "retry_backoff_max_ms" not in errors:
        errors.update(_check_backoff(data))


def _require_object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ValidationError({"body": "must be a JSON object"})
    return body


def validate_job_create(body: Any, registry: HandlerRegistry, settings: Settings) -> dict[str, Any]:
    body = _require_object(body)
    errors: dict[str, str] = {}
    for key in body:
        if key not in WRITABLE:
            errors[key] = "unknown field"
    data = {**DEFAULTS, **{k: v for k, v in body.items() if k in WRITABLE}}
    if data["description"] is None:
        data["description"] = ""
    for required in ("name", "handler"):
        if required not in body:
            errors[required] = "is required"
    errors.update(_check_fields(data, registry, settings))
    _add_dependent_checks(errors, data, registry, settings)
    if errors:
        raise ValidationError(errors)
    data["name"] = data["name"].strip()
    return data


def validate_job_update(
    body: Any, current: dict[str, Any], registry: HandlerRegistry, settings: Settings
) -> dict[str, Any]:
    """Partial update: fields left out keep their value; read-only fields are ignored."""
    body = _require_object(body)
    errors: dict[str, str] = {}
    for key in body:
        if key not in WRITABLE and key not in READ_ONLY:
            errors[key] = "unknown field"
    changes = {k: v for k, v in body.items() if k in WRITABLE}
    if "description" in changes and changes["description"] is None:
        changes["description"] = ""
    merged = {**{k: current[k] for k in WRITABLE}, **changes}
    errors.update(_check_fields(merged, registry, settings))
    _add_dependent_checks(errors, merged, registry, settings)
    if errors:
        raise ValidationError(errors)
    merged["name"] = merged["name"].strip()
    return merged
