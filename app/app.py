"""The API Lambda (Chalice) and the scheduler tick Lambda. Routes only.

Each route parses the request, calls one ``JobService`` method and shapes the
response; errors from the core become ``{"error": {...}}`` bodies with the status
from ``jobsched.errors.HTTP_STATUS``.
"""

from __future__ import annotations

import functools
import json
import os
import threading
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit, single_metric
from chalice import Chalice, CORSConfig, Response

from jobsched.api import prometheus
from jobsched.api.http import error_body, parse_json, prefers, status_for
from jobsched.api.openapi import openapi_document, scope_of
from jobsched.api.prometheus import CONTENT_TYPE
from jobsched.api.queries import MetricsFormatQuery
from jobsched.domain.bounded import wire_json
from jobsched.domain.models import Caller
from jobsched.domain.validation import load_query
from jobsched.errors import JobSchedulerError
from jobsched.runtime import runtime
from jobsched.workflow_life import WorkflowLife

app = Chalice(app_name="job-scheduler")
app.api.cors = CORSConfig(
    allow_origin="*",
    allow_headers=["Authorization", "Content-Type", "Idempotency-Key"],
    max_age=600,
)
logger = Logger(service="job-scheduler")
# The service dimension is POWERTOOLS_SERVICE_NAME (the stack's name, which the
# template's scaling policies name), "job-scheduler" where it is not set.
metrics = Metrics(
    namespace="JobScheduler", service=os.environ.get("POWERTOOLS_SERVICE_NAME", "job-scheduler")
)

PREFIX = "/api/v1"
JSON = {"Content-Type": "application/json"}
_caller: ContextVar[Caller | None] = ContextVar("caller", default=None)
"""The key of the request being served; the service audits changes under its id."""


def _respond(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    if body is None:
        return Response(body="", status_code=status, headers=headers or {})
    return Response(body=wire_json(body), status_code=status, headers={**JSON, **(headers or {})})


def endpoint(path: str, methods: list[str], public: bool = False, status: int = 200) -> Callable:
    """Register a route whose function returns a JSON-able value answered with
    ``status`` (None, with an empty body, for ``status=204``). Unless ``public``, the
    request needs a key whose scope allows the route (the operations table says
    which) and that is within its rate limit."""
    (method,) = methods
    needs = scope_of(method, path)
    route = f"{method} {PREFIX}{path}"

    def decorator(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def handler(**params: str) -> Response:
            request = app.current_request
            logger.set_correlation_id((request.context or {}).get("requestId"))
            logger.append_keys(path=path, method=request.method, **_loggable(params))
            bound = _caller.set(None)
            try:
                rt = runtime()
                # Every statement the request runs is cancelled past the limit (a 503):
                # no request can hold PostgreSQL for long.
                with rt.store.time_limit(rt.settings.api_statement_timeout_ms):
                    if not public:
                        access = rt.access
                        caller = access.authenticate(request.headers.get("authorization"))
                        logger.append_keys(caller=caller.id)
                        access.limit(caller)
                        access.authorize(caller, needs, route)
                        _caller.set(caller)
                    result = fn(**params)
                if isinstance(result, Response):
                    return result
            except JobSchedulerError as exc:
                logger.info("request refused", extra={"code": exc.code, "error": str(exc)})
                return _respond(error_body(exc), status_for(exc), exc.headers)
            except Exception:
                logger.exception("request failed")
                body = {"error": {"code": "internal_error", "message": "internal error"}}
                return _respond(body, 500)
            finally:
                _caller.reset(bound)
                logger.remove_keys(["path", "method", "caller", *params])
            return _respond(result, status)

        # What the route answers on success, for the check against the OpenAPI
        # document (tests/unit/test_openapi.py).
        handler.success_status = status  # type: ignore[attr-defined]
        handler.public = public  # type: ignore[attr-defined]
        app.route(PREFIX + path, methods=methods)(handler)
        return handler

    return decorator


def _loggable(params: dict[str, str]) -> dict[str, str]:
    """Path parameters for the log when they are ids (UUIDs); anything else may be an
    API key sent where an id belongs by mistake (ours start with ``jsk_``, those of
    API_KEYS with anything), and keys never reach the logs."""
    return {k: v if _is_uuid(v) else "<not an id>" for k, v in params.items()}


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


CHALICE_ERROR_CODES = {
    "UnsupportedMediaType": "unsupported_media_type",
    "MethodNotAllowedError": "method_not_allowed",
    "BadRequest": "bad_request",
}


@app.middleware("http")
def uniform_errors(event: Any, get_response: Callable[[Any], Response]) -> Response:
    """Chalice answers some requests itself (415, 405, ...) with its own body shape;
    give those the API's error shape too."""
    response = get_response(event)
    body = response.body
    if response.status_code >= 400 and isinstance(body, dict) and "Code" in body:
        code = CHALICE_ERROR_CODES.get(body["Code"], "bad_request")
        response.body = json.dumps({"error": {"code": code, "message": body.get("Message")}})
        response.headers = {**(response.headers or {}), **JSON}
    return response


def _query() -> dict[str, str]:
    return dict(app.current_request.query_params or {})


def _body(required: bool = True) -> Any:
    return parse_json(app.current_request.raw_body, required)


def _svc():
    service = runtime().service
    caller = _caller.get()
    return service.as_caller(caller.id, caller.scope) if caller else service


def _me() -> Caller:
    caller = _caller.get()
    if caller is None:  # a public route asked: a bug, answered as a 500
        raise RuntimeError("no caller: the route needs a key")
    return caller


# ----------------------------------------------------------------- system


@endpoint("/health", ["GET"], public=True)
def health() -> Any:
    """200 ``{"status": "ok"}`` when PostgreSQL and Redis answer, 503
    ``{"status": "unavailable"}`` when one does not. Sent with an API key (a wrong one
    is a 401), the answer adds each dependency's status and latency."""
    authorization = app.current_request.headers.get("authorization")
    if authorization is not None:
        runtime().access.authenticate(authorization)
    report = _svc().health(details=authorization is not None)
    return report if report["status"] == "ok" else _respond(report, 503)


@endpoint("/openapi.json", ["GET"], public=True)
def openapi() -> dict:
    """Public: client generators read the document from its URL."""
    return openapi_document()


@endpoint("/metrics", ["GET"])
def get_metrics() -> Any:
    """JSON; the Prometheus text (as ``/metrics/prometheus``) for ``?format=prometheus``
    or an ``Accept`` that prefers ``text/plain`` (what a Prometheus server sends)."""
    query = load_query(MetricsFormatQuery, _query())
    accept = app.current_request.headers.get("accept")
    text = query.format == "prometheus" or (
        query.format is None and prefers(accept, "text/plain", "application/json")
    )
    metrics = _svc().metrics()
    return _prometheus(metrics) if text else metrics


@endpoint("/metrics/prometheus", ["GET"])
def get_metrics_prometheus() -> Response:
    """The Prometheus form as its own operation: generated clients decode each
    operation's answer as one media type."""
    return _prometheus(_svc().metrics())


def _prometheus(metrics: dict[str, Any]) -> Response:
    return Response(body=prometheus.render(metrics), headers={"Content-Type": CONTENT_TYPE})


@endpoint("/metrics/executions", ["GET"])
def get_execution_metrics() -> dict:
    return _svc().execution_metrics(_query())


@endpoint("/workers", ["GET"])
def list_workers() -> dict:
    return _svc().workers()


@endpoint("/handlers", ["GET"])
def list_handlers() -> dict:
    return _svc().handlers()


@endpoint("/flow", ["GET"])
def get_flow() -> dict:
    return _svc().flow(_query())


# ------------------------------------------------------------------- jobs


@endpoint("/jobs", ["POST"], status=201)
def create_job() -> dict:
    return _svc().create_job(_body())


@endpoint("/jobs", ["GET"])
def list_jobs() -> dict:
    return _svc().list_jobs(_query())


@endpoint("/jobs/{job_id}", ["GET"])
def get_job(job_id: str) -> dict:
    return _svc().get_job(job_id, _query())


@endpoint("/jobs/{job_id}", ["PUT"])
def update_job(job_id: str) -> dict:
    return _svc().update_job(job_id, _body())


@endpoint("/jobs/{job_id}", ["DELETE"], status=204)
def delete_job(job_id: str) -> None:
    _svc().delete_job(job_id)


@endpoint("/jobs/{job_id}/pause", ["POST"])
def pause_job(job_id: str) -> dict:
    return _svc().pause_job(job_id)


@endpoint("/jobs/{job_id}/resume", ["POST"])
def resume_job(job_id: str) -> dict:
    return _svc().resume_job(job_id)


@endpoint("/jobs/{job_id}/trigger", ["POST"], status=202)
def trigger_job(job_id: str) -> dict:
    key = app.current_request.headers.get("idempotency-key")
    return _svc().trigger_job(job_id, _body(required=False), key=key)


@endpoint("/jobs/{job_id}/next-runs", ["GET"])
def job_next_runs(job_id: str) -> dict:
    return _svc().next_runs(job_id, _query())


@endpoint("/jobs/{job_id}/backfill", ["POST"], status=202)
def backfill_job(job_id: str) -> dict:
    return _svc().backfill(job_id, _body())


@endpoint("/jobs/{job_id}/occurrences", ["GET"])
def job_occurrences(job_id: str) -> dict:
    return _svc().occurrences(job_id, _query())


@endpoint("/schedules/preview", ["POST"])
def preview_schedule() -> dict:
    return _svc().preview_schedule(_body())


@endpoint("/jobs/{job_id}/executions", ["GET"])
def list_job_executions(job_id: str) -> dict:
    return _svc().list_executions(_query(), job_id=job_id)


# -------------------------------------------------------------- workflows


def _wf() -> WorkflowLife:
    """The workflow use cases for the caller (audited under its key)."""
    s = _svc()
    return WorkflowLife(s.store, s.queue, s.registry, s.handler_settings, s.clock, s.actor, s.scope)


@endpoint("/workflows", ["POST"], status=201)
def create_workflow() -> dict:
    return _wf().create(_body())


@endpoint("/workflows", ["GET"])
def list_workflows() -> dict:
    return _wf().list(_query())


@endpoint("/workflows/{workflow_id}", ["GET"])
def get_workflow(workflow_id: str) -> dict:
    return _wf().get(workflow_id)


@endpoint("/workflows/{workflow_id}", ["PUT"])
def update_workflow(workflow_id: str) -> dict:
    return _wf().update(workflow_id, _body())


@endpoint("/workflows/{workflow_id}", ["DELETE"], status=204)
def delete_workflow(workflow_id: str) -> None:
    _wf().delete(workflow_id)


@endpoint("/workflows/{workflow_id}/trigger", ["POST"], status=202)
def trigger_workflow(workflow_id: str) -> dict:
    key = app.current_request.headers.get("idempotency-key")
    return _wf().trigger(workflow_id, _body(required=False), key=key)


@endpoint("/workflows/{workflow_id}/pause", ["POST"])
def pause_workflow(workflow_id: str) -> dict:
    return _wf().pause(workflow_id)


@endpoint("/workflows/{workflow_id}/resume", ["POST"])
def resume_workflow(workflow_id: str) -> dict:
    return _wf().resume(workflow_id)


@endpoint("/workflows/{workflow_id}/backfill", ["POST"], status=202)
def backfill_workflow(workflow_id: str) -> dict:
    return _wf().backfill(workflow_id, _body())


@endpoint("/workflows/{workflow_id}/occurrences", ["GET"])
def workflow_occurrences(workflow_id: str) -> dict:
    return _wf().occurrences(workflow_id, _query())


@endpoint("/workflows/{workflow_id}/runs", ["GET"])
def list_workflow_runs(workflow_id: str) -> dict:
    return _wf().runs(workflow_id, _query())


@endpoint("/workflow-runs/{run_id}", ["GET"])
def get_workflow_run(run_id: str) -> dict:
    return _wf().get_run(run_id)


@endpoint("/workflow-runs/{run_id}/cancel", ["POST"])
def cancel_workflow_run(run_id: str) -> dict:
    return _wf().cancel_run(run_id)


@endpoint("/workflow-runs/{run_id}/retry", ["POST"], status=202)
def retry_workflow_run(run_id: str) -> dict:
    return _wf().retry_run(run_id)


# -------------------------------------------------------------- calendars


@endpoint("/calendars", ["POST"], status=201)
def create_calendar() -> dict:
    return _svc().create_calendar(_body())


@endpoint("/calendars", ["GET"])
def list_calendars() -> dict:
    return _svc().list_calendars(_query())


@endpoint("/calendars/{name}", ["GET"])
def get_calendar(name: str) -> dict:
    return _svc().get_calendar(name)


@endpoint("/calendars/{name}/days", ["GET"])
def calendar_days(name: str) -> dict:
    return _svc().calendar_days(name, _query())


@endpoint("/calendars/{name}", ["PUT"])
def update_calendar(name: str) -> dict:
    return _svc().update_calendar(name, _body())


@endpoint("/calendars/{name}", ["DELETE"], status=204)
def delete_calendar(name: str) -> None:
    _svc().delete_calendar(name)


@endpoint("/jobs/{job_id}/explain", ["GET"])
def explain_job(job_id: str) -> dict:
    return _svc().explain(job_id, _query())


# ------------------------------------------------------------- executions


@endpoint("/executions", ["GET"])
def list_executions() -> dict:
    return _svc().list_executions(_query())


@endpoint("/executions/{execution_id}", ["GET"])
def get_execution(execution_id: str) -> dict:
    return _svc().get_execution(execution_id)


@endpoint("/executions/{execution_id}/cancel", ["POST"])
def cancel_execution(execution_id: str) -> dict:
    return _svc().cancel_execution(execution_id)


@endpoint("/executions/{execution_id}/retry", ["POST"], status=202)
def retry_execution(execution_id: str) -> dict:
    return _svc().retry_execution(execution_id)


# ------------------------------------------------------------ dead letter


@endpoint("/dead-letter", ["GET"])
def list_dead_letter() -> dict:
    return _svc().list_dead_letter(_query())


@endpoint("/dead-letter/{entry_id}", ["GET"])
def get_dead_letter(entry_id: str) -> dict:
    return _svc().get_dead_letter(entry_id)


@endpoint("/dead-letter/{entry_id}", ["DELETE"], status=204)
def delete_dead_letter(entry_id: str) -> None:
    _svc().delete_dead_letter(entry_id)


@endpoint("/dead-letter/{entry_id}/redrive", ["POST"], status=202)
def redrive_dead_letter(entry_id: str) -> dict:
    return _svc().redrive_dead_letter(entry_id)


# -------------------------------------------------------------- audit log


@endpoint("/audit", ["GET"])
def list_audit() -> dict:
    return _svc().list_audit(_query())


# ------------------------------------------------------------------- keys


@endpoint("/keys", ["POST"], status=201)
def create_key() -> dict:
    return runtime().access.create_key(_body(), _me())


@endpoint("/keys", ["GET"])
def list_keys() -> dict:
    return runtime().access.list_keys()


@endpoint("/keys/me", ["GET"])
def who_am_i() -> dict:
    return runtime().access.me(_me())


@endpoint("/keys/{key_id}", ["DELETE"], status=204)
def revoke_key(key_id: str) -> None:
    runtime().access.revoke_key(key_id, _me())


# ------------------------------------------------------------------- tick


def _run_ticks(scheduler: Any, stop: threading.Event, remaining: Any, on_report: Any) -> None:
    scheduler.run_forever(stop, remaining_ms=remaining, on_report=on_report)


@functools.cache
def _traced_ticks() -> Callable[..., None]:
    """``_run_ticks`` traced on AWS (X-Ray; Powertools' Tracer is a no-op elsewhere).
    Built on the first tick: importing X-Ray's SDK would add ~150 ms to every cold
    start of the API Lambda, which shares this module (bench/cold_import.py)."""
    from aws_lambda_powertools import Tracer

    tracer = Tracer(service="job-scheduler")
    return tracer.capture_method(capture_response=False)(_run_ticks)


@app.schedule("rate(1 minute)", name="tick")
def tick(event: Any) -> dict:
    """Fired every minute; ticks every SCAN_INTERVAL_MS until time runs low, so
    sub-minute schedules work on AWS too. Publishes the queue depth for scaling."""
    context = event.context
    scheduler = runtime().scheduler()
    passes = {"n": 0, "scheduled": 0, "schedule_errors": 0, "depth": {}, "pools": {}}

    def on_report(report: Any) -> None:
        passes["n"] += 1
        passes["scheduled"] += report.scheduled
        passes["schedule_errors"] += report.schedule_errors
        if report.leader:
            passes["depth"] = report.depth
            passes["pools"] = report.pools

    stop = threading.Event()
    remaining = context.get_remaining_time_in_millis if context else None
    _traced_ticks()(scheduler, stop, remaining, on_report)
    depth = passes["depth"]
    if depth:
        metrics.add_metric("QueueDepth", MetricUnit.Count, depth.get("ready", 0))
        metrics.add_metric("InFlight", MetricUnit.Count, depth.get("in_flight", 0))
    for pool, pool_depth in passes["pools"].items():
        # One series per pool (dimension pool): each pool's workers scale on their own.
        dimensions = {"service": metrics.provider.service or "job-scheduler", "pool": pool}
        with single_metric(
            "QueueDepth",
            MetricUnit.Count,
            pool_depth.get("ready", 0),
            namespace="JobScheduler",
            default_dimensions=dimensions,
        ):
            pass
    metrics.add_metric("ExecutionsScheduled", MetricUnit.Count, passes["scheduled"])
    metrics.add_metric("ScheduleErrors", MetricUnit.Count, passes["schedule_errors"])
    metrics.flush_metrics()
    logger.info("tick finished", extra={"passes": passes["n"], "depth": depth})
    return {"passes": passes["n"], "scheduled": passes["scheduled"], "depth": depth}
