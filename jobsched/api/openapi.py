"""The OpenAPI 3.1 document the API serves at /api/v1/openapi.json.

``tests/unit/test_openapi.py`` checks that it lists exactly the Chalice routes.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jobsched.domain.audit import ACTIONS, ID_PATTERN, TARGET_TYPES
from jobsched.service import EXECUTION_STATUSES, JOB_STATUSES

SERVER = "/api/v1"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


def _list_of(name: str) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["items", "next_cursor", "total"],
        "properties": {
            "items": {"type": "array", "items": _ref(name)},
            "next_cursor": {"type": ["string", "null"]},
            "total": {"type": "integer"},
        },
    }


def _op(
    summary: str,
    ok: int = 200,
    schema: dict[str, Any] | None = None,
    body: dict[str, Any] | None = None,
    body_required: bool = True,
    params: list[str] = (),
    query: list[dict[str, Any]] = (),
    errors: tuple[int, ...] = (400, 401, 404),
) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    if ok == 204:
        responses["204"] = {"description": "done"}
    else:
        responses[str(ok)] = {"description": "ok", **_json(schema or {"type": "object"})}
    for code in errors:
        responses[str(code)] = {"description": "error", **_json(_ref("Error"))}
    op: dict[str, Any] = {"summary": summary, "responses": responses}
    parameters = [
        {"name": p, "in": "path", "required": True, "schema": {"type": "string"}} for p in params
    ]
    parameters += list(query)
    if parameters:
        op["parameters"] = parameters
    if body is not None:
        op["requestBody"] = {"required": body_required, **_json(body)}
    return op


def _q(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema}


PAGING = [
    _q("limit", {"type": "integer", "minimum": 1, "maximum": 200}),
    _q("cursor", {"type": "string"}),
]

JOB_FIELDS: dict[str, Any] = {
    "name": {"type": "string", "minLength": 1, "maxLength": 200},
    "description": {"type": "string", "maxLength": 2000},
    "handler": {"type": "string"},
    "payload": {
        "type": "object",
        "description": "at most 64 KiB and 32 levels deep; http.webhook's timeout is in ms",
    },
    "schedule": {
        "type": ["string", "null"],
        "maxLength": 200,
        "description": "5-field cron, or 6 with leading seconds; must fire at some time",
    },
    "timezone": {
        "type": "string",
        "maxLength": 64,
        "description": "IANA time zone",
        "default": "UTC",
    },
    "priority": {"type": "integer", "minimum": 0, "maximum": 100, "default": 50},
    "max_retries": {"type": "integer", "minimum": 0, "maximum": 100, "default": 3},
    "timeout_ms": {"type": "integer", "minimum": 1, "maximum": 86_400_000},
    "retry_backoff_ms": {"type": "integer", "minimum": 0, "maximum": 86_400_000},
    "retry_backoff_max_ms": {"type": "integer", "minimum": 0, "maximum": 86_400_000},
    "overlap_policy": {
        "enum": ["allow", "skip"],
        "default": "allow",
        "description": "skip: an occurrence due while the previous run is unfinished is SKIPPED",
    },
}
TIME = {"type": ["string", "null"], "format": "date-time"}


def _schemas() -> dict[str, Any]:
    attempt = {
        "type": "object",
        "properties": {
            "number": {"type": "integer"},
            "worker_id": {"type": ["string", "null"]},
            "started_at": TIME,
            "finished_at": TIME,
            "outcome": {"type": ["string", "null"]},
            "error": {"type": ["string", "null"]},
        },
    }
    status = {"enum": ["ok", "unavailable"]}
    return {
        "Health": {
            "type": "object",
            "required": ["status"],
            "properties": {
                "status": status,
                "checks": {
                    "type": "object",
                    "description": "only with an API key",
                    "additionalProperties": {
                        "type": "object",
                        "required": ["status", "latency_ms"],
                        "properties": {
                            "status": status,
                            "latency_ms": {"type": "number"},
                            "error": {"type": "string", "description": "the error's type"},
                        },
                    },
                },
            },
        },
        "Error": {
            "type": "object",
            "required": ["error"],
            "properties": {
                "error": {
                    "type": "object",
                    "required": ["code", "message"],
                    "properties": {
                        "code": {"type": "string"},
                        "message": {"type": "string"},
                        "fields": {"type": "object", "additionalProperties": {"type": "string"}},
                    },
                }
            },
        },
        "JobInput": {
            "type": "object",
            "required": ["name", "handler"],
            "additionalProperties": False,
            "properties": JOB_FIELDS,
        },
        "JobUpdate": {"type": "object", "properties": JOB_FIELDS},
        "Job": {
            "type": "object",
            "properties": {
                **JOB_FIELDS,
                "id": {"type": "string", "format": "uuid"},
                "status": {"enum": list(JOB_STATUSES)},
                "schedule_error": {
                    "type": ["string", "null"],
                    "description": "why the tick cannot schedule this job (null when it can); "
                    "the job is re-checked every 10 minutes and cleared once it computes",
                },
                "next_run_time": TIME,
                "last_run_time": TIME,
                "created_at": TIME,
                "updated_at": TIME,
                "upcoming_runs": {"type": "array", "items": {"type": "string"}},
            },
        },
        "Trigger": {
            "type": "object",
            "properties": {
                "payload": {"type": "object"},
                "priority": {"type": "integer", "minimum": 0, "maximum": 100},
                "runs": {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": 500,
                    "items": {
                        "type": "object",
                        "properties": {
                            "payload": {"type": "object"},
                            "priority": {"type": "integer", "minimum": 0, "maximum": 100},
                        },
                    },
                },
            },
        },
        "Execution": {
            "type": "object",
            "properties": {
                "id": {"type": "string"},
                "job_id": {"type": "string"},
                "status": {"enum": list(EXECUTION_STATUSES)},
                "scheduled_for": TIME,
                "priority": {"type": "integer"},
                "attempt": {"type": "integer"},
                "worker_id": {"type": ["string", "null"]},
                "queued_at": TIME,
                "started_at": TIME,
                "finished_at": TIME,
                "duration_ms": {"type": ["integer", "null"]},
                "result": {},
                "error": {"type": ["string", "null"]},
                "attempts": {"type": "array", "items": attempt},
            },
        },
        "Worker": {
            "type": "object",
            "properties": {
                "id": {"type": "string"},
                "host": {"type": "string"},
                "pid": {"type": "integer"},
                "running": {"type": "integer"},
                "capacity": {"type": "integer"},
                "started_at": TIME,
                "last_heartbeat": TIME,
                "stale": {"type": "boolean"},
            },
        },
        "AuditEntry": {
            "type": "object",
            "required": ["id", "at", "key_id", "action", "target_type", "target_id", "changes"],
            "properties": {
                "id": {"type": "string"},
                "at": {"type": "string", "format": "date-time"},
                "key_id": {"type": "string", "description": "id of the caller's key"},
                "action": {"enum": list(ACTIONS)},
                "target_type": {"enum": list(TARGET_TYPES)},
                "target_id": {"type": "string"},
                "changes": {
                    "type": "object",
                    "description": 'field -> {"before", "after"} (only what changed)',
                    "additionalProperties": {
                        "type": "object",
                        "properties": {"before": {}, "after": {}},
                    },
                },
            },
        },
        "DeadLetter": {
            "type": "object",
            "properties": {
                "id": {"type": "string"},
                "execution_id": {"type": "string"},
                "job_id": {"type": "string"},
                "job_name": {"type": ["string", "null"]},
                "handler": {"type": "string"},
                "payload": {"type": "object"},
                "error": {"type": ["string", "null"]},
                "attempts": {"type": "integer"},
                "reason": {"type": "string"},
                "created_at": TIME,
            },
        },
    }


@cache
def openapi_document() -> dict[str, Any]:
    job, execution, entry = ["job_id"], ["execution_id"], ["entry_id"]
    job_filters = [
        _q("status", {"enum": list(JOB_STATUSES)}),
        _q("handler", {"type": "string"}),
        _q("name", {"type": "string", "description": "substring, case-insensitive"}),
        _q("sort", {"type": "string"}),
        *PAGING,
    ]
    exec_filters = [_q("status", {"enum": list(EXECUTION_STATUSES)}), *PAGING]
    paths = {
        "/health": {
            "get": {
                **_op(
                    "Up or down, for anyone; with an API key, each dependency's status and "
                    "latency too (a wrong key is a 401). Answers from a probe at most 1 s old.",
                    errors=(401,),
                ),
                # The key is optional here: no key, or a valid one.
                "security": [{}, {"bearer": []}],
                "responses": {
                    "200": {"description": "PostgreSQL and Redis answer", **_json(_ref("Health"))},
                    "401": {"description": "error", **_json(_ref("Error"))},
                    "503": {"description": "a dependency does not answer", **_json(_ref("Health"))},
                },
            }
        },
        "/openapi.json": {"get": _op("This document", errors=(401,))},
        "/metrics": {"get": _op("Counts, queue depth, throughput, leader", errors=(401,))},
        "/metrics/executions": {
            "get": _op(
                "Executions finished per time bucket (only buckets with runs are listed)",
                query=[_q("window_s", {"type": "integer"}), _q("bucket_s", {"type": "integer"})],
                errors=(400, 401),
            )
        },
        "/workers": {"get": _op("Registered workers", schema=_list_of("Worker"), errors=(401,))},
        "/jobs": {
            "post": _op("Create a job", 201, _ref("Job"), _ref("JobInput"), errors=(400, 401, 409)),
            "get": _op("List jobs", schema=_list_of("Job"), query=job_filters, errors=(400, 401)),
        },
        "/jobs/{job_id}": {
            "get": _op(
                "Get a job (include=executions adds its latest executions)",
                schema=_ref("Job"),
                params=job,
                query=[
                    _q("include", {"enum": ["executions"]}),
                    _q("executions_limit", {"type": "integer", "minimum": 1, "maximum": 200}),
                ],
            ),
            "put": _op(
                "Update a job",
                schema=_ref("Job"),
                body=_ref("JobUpdate"),
                params=job,
                errors=(400, 401, 404, 409),
            ),
            "delete": _op("Delete a job and its history", 204, params=job),
        },
        "/jobs/{job_id}/pause": {"post": _op("Pause", schema=_ref("Job"), params=job)},
        "/jobs/{job_id}/resume": {"post": _op("Resume", schema=_ref("Job"), params=job)},
        "/jobs/{job_id}/trigger": {
            "post": _op(
                "Run now (optionally many runs, with payload/priority overrides)",
                202,
                _ref("Execution"),
                _ref("Trigger"),
                body_required=False,
                params=job,
                errors=(400, 401, 404, 409),
            )
        },
        "/jobs/{job_id}/executions": {
            "get": _op(
                "A job's executions",
                schema=_list_of("Execution"),
                params=job,
                query=exec_filters,
            )
        },
        "/executions": {
            "get": _op(
                "All executions, newest first",
                schema=_list_of("Execution"),
                query=[
                    *exec_filters,
                    _q("job_id", {"type": "string"}),
                    _q("handler", {"type": "string"}),
                ],
                errors=(400, 401),
            )
        },
        "/executions/{execution_id}": {
            "get": _op("Get an execution", schema=_ref("Execution"), params=execution)
        },
        "/executions/{execution_id}/cancel": {
            "post": _op(
                "Cancel", schema=_ref("Execution"), params=execution, errors=(401, 404, 409)
            )
        },
        "/executions/{execution_id}/retry": {
            "post": _op(
                "Queue a failed or cancelled execution again (same id, fresh retry budget)",
                202,
                _ref("Execution"),
                params=execution,
                errors=(401, 404, 409),
            )
        },
        "/dead-letter": {
            "get": _op(
                "Dead-letter entries",
                schema=_list_of("DeadLetter"),
                query=PAGING,
                errors=(400, 401),
            )
        },
        "/dead-letter/{entry_id}": {
            "get": _op("Get an entry", schema=_ref("DeadLetter"), params=entry),
            "delete": _op("Delete an entry", 204, params=entry),
        },
        "/audit": {
            "get": _op(
                "Changes made through the API, newest first",
                schema=_list_of("AuditEntry"),
                query=[
                    _q("action", {"enum": list(ACTIONS)}),
                    _q("target_type", {"enum": list(TARGET_TYPES)}),
                    _q("target_id", {"type": "string", "pattern": f"^{ID_PATTERN.pattern}$"}),
                    _q("key_id", {"type": "string", "pattern": f"^{ID_PATTERN.pattern}$"}),
                    _q("since", {"type": "string", "format": "date-time"}),
                    _q("until", {"type": "string", "format": "date-time"}),
                    *PAGING,
                ],
                errors=(400, 401),
            )
        },
        "/dead-letter/{entry_id}/redrive": {
            "post": _op(
                "Queue the same execution again, with a fresh retry budget",
                202,
                _ref("Execution"),
                params=entry,
                errors=(401, 404, 409),
            )
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "Job Scheduler API", "version": "1"},
        "servers": [{"url": SERVER}],
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": _schemas(),
        },
        "paths": paths,
    }
