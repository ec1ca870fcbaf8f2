"""The OpenAPI 3.1 document the API serves at /api/v1/openapi.json, generated.

Each operation names its models (request bodies in ``jobsched.domain.contract``, the
rest in ``jobsched.api.wire``); their schemas come from msgspec, so the document says
exactly what the models accept and return.
``tests/unit/test_openapi.py`` checks the operations against the Chalice routes
(every route documented, with its success status; every operation served), and
``tests/integration/test_api_contract.py`` calls each one and checks its answers.
"""

from __future__ import annotations

import re
import types
import typing
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import msgspec

from jobsched.api import queries as qs
from jobsched.api import wire as w
from jobsched.api import workflow_queries as wq
from jobsched.domain import contract as c
from jobsched.domain import models as m
from jobsched.domain import workflow_models as wm
from jobsched.domain import workflows as wf
from jobsched.domain.access import route_scope

SERVER = "/api/v1"
REF = "#/components/schemas/{name}"


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    summary: str
    status: int = 200
    response: Any = None
    """The model of the success body (a tuple: one of them); None for 204."""
    body: type[msgspec.Struct] | None = None
    body_required: bool = True
    query: type[msgspec.Struct] | None = None
    errors: tuple[int, ...] = ()
    """Client errors besides 401 (every operation but the public one may answer it)."""
    public: bool = False
    also: dict[int, Any] = field(default_factory=dict)
    """Other answers with their own body (``/health``'s 503)."""
    headers: dict[str, str] = field(default_factory=dict)
    """Optional request headers the operation reads, with what they mean."""
    scope: str | None = None
    """The scope a key needs to call it; None: ``read`` for a GET, else ``admin``."""
    text: str | None = None
    """A plain-text alternative of the success body (described here), besides JSON."""

    @property
    def needs(self) -> str:
        return route_scope(self.method, self.scope)

    @property
    def path_params(self) -> list[str]:
        return re.findall(r"{(\w+)}", self.path)


NOT_FOUND, BAD, CONFLICT = (404,), (400,), (409,)
OPERATE = "operate"
ADMIN = "admin"

OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "GET",
        "/health",
        "Up or down, for anyone; with an API key, each dependency's status and latency "
        "too (a wrong key is a 401). Answers from a probe at most 1 s old.",
        response=w.Health,
        public=True,
        also={503: w.Health},
    ),
    Operation("GET", "/openapi.json", "This document", response=dict[str, Any]),
    Operation(
        "GET",
        "/metrics",
        "Counts, queue depth, throughput, leader, run durations; in the Prometheus text "
        "format with format=prometheus or Accept: text/plain",
        response=w.Metrics,
        query=qs.MetricsFormatQuery,
        errors=BAD,
        text="the Prometheus text exposition format, version 0.0.4",
    ),
    Operation(
        "GET",
        "/metrics/executions",
        "Executions finished per time bucket (only buckets with runs are listed)",
        response=w.ExecutionMetrics,
        query=qs.MetricsQuery,
        errors=BAD,
    ),
    # Host names and process ids: what an operator needs, not every reader.
    Operation("GET", "/workers", "Registered workers", response=w.WorkerPage, scope=OPERATE),
    Operation(
        "GET",
        "/handlers",
        "The handler catalog: the built-ins and what workers published (payload JSON "
        "Schema, pool, isolation), each with the live workers serving it",
        response=w.HandlerPage,
    ),
    Operation(
        "GET",
        "/flow",
        "A job's flow-control keys: its runs of each key running and waiting, the limit "
        "holding them (concurrency, rate, debounce) and when the next may start",
        response=w.FlowPage,
        query=qs.FlowQuery,
        errors=(400, 404),
    ),
    Operation(
        "POST",
        "/jobs",
        "Create a job",
        201,
        m.Job,
        body=c.JobCreate,
        errors=(400, 409),
    ),
    Operation(
        "GET", "/jobs", "List jobs", response=m.Page[m.Job], query=qs.JobListQuery, errors=BAD
    ),
    Operation(
        "GET",
        "/jobs/{job_id}",
        "Get a job (include=executions adds its latest executions)",
        response=m.Job,
        query=qs.JobGetQuery,
        errors=(400, 404),
    ),
    Operation(
        "PUT",
        "/jobs/{job_id}",
        "Update a job (partial)",
        response=m.Job,
        body=c.JobUpdate,
        errors=(400, 404, 409),
    ),
    Operation("DELETE", "/jobs/{job_id}", "Delete a job and its history", 204, errors=NOT_FOUND),
    Operation(
        "POST", "/jobs/{job_id}/pause", "Pause", response=m.Job, errors=NOT_FOUND, scope=OPERATE
    ),
    Operation(
        "POST",
        "/jobs/{job_id}/resume",
        "Resume",
        response=m.Job,
        errors=NOT_FOUND,
        scope=OPERATE,
    ),
    Operation(
        "POST",
        "/jobs/{job_id}/trigger",
        "Run now: one run (an Execution) with optional payload/priority overrides, or "
        '{"runs": [...]} for many (a page of Executions: as many as fit its 1 MiB of JSON, '
        "total counting every run created)",
        202,
        (m.Execution, m.Page[m.Execution]),
        body=c.Trigger,
        body_required=False,
        errors=(400, 404, 409),
        scope=OPERATE,
        headers={
            "Idempotency-Key": "a repeated request with this key (at most 200 characters) "
            "answers with the run(s) the first one created instead of creating more"
        },
    ),
    Operation(
        "GET",
        "/jobs/{job_id}/next-runs",
        "The job's next runs, in its time zone with their UTC offsets",
        response=w.NextRuns,
        query=qs.NextRunsQuery,
        errors=(400, 404, 409),
    ),
    Operation(
        "POST",
        "/jobs/{job_id}/backfill",
        "Run each occurrence of the job's schedule in [start, end) that has not run, once "
        f"(a repeat writes nothing new; at most {c.MAX_BACKFILL} occurrences; one at a "
        "time unless overlap_policy is allow)",
        202,
        w.BackfillResult,
        body=c.Backfill,
        errors=(400, 404, 409),
        scope=OPERATE,
    ),
    Operation(
        "GET",
        "/jobs/{job_id}/occurrences",
        "The occurrence ledger: each expected occurrence in a range and what became of it",
        response=w.OccurrencePage,
        query=qs.OccurrenceQuery,
        errors=(400, 404),
    ),
    Operation(
        "POST",
        "/schedules/preview",
        "The next runs of an unsaved schedule, in its time zone with their UTC offsets",
        response=w.NextRuns,
        body=c.SchedulePreview,
        errors=BAD,
        scope=OPERATE,
    ),
    Operation(
        "GET",
        "/jobs/{job_id}/executions",
        "A job's executions, newest first",
        response=m.Page[m.Execution],
        query=qs.JobExecutionsQuery,
        errors=(400, 404),
    ),
    Operation(
        "GET",
        "/jobs/{job_id}/explain",
        "What became of the job's occurrence at a time, and why (a closed day, a window, "
        "a bound, a pause, catch-up, overlap, a DST gap)",
        response=w.Explanation,
        query=qs.ExplainQuery,
        errors=(400, 404),
    ),
    Operation(
        "POST",
        "/calendars",
        "Create a business calendar",
        201,
        w.CalendarView,
        body=c.CalendarBody,
        errors=(400, 409),
    ),
    Operation(
        "GET",
        "/calendars",
        "The business calendars, by name",
        response=w.CalendarPage,
        query=qs.CalendarListQuery,
    ),
    Operation(
        "GET",
        "/calendars/{name}",
        "Get a calendar (jobs: how many use it)",
        response=w.CalendarView,
        errors=NOT_FOUND,
    ),
    Operation(
        "GET",
        "/calendars/{name}/days",
        "Each day from since to until: a business day or not, and why not (a holiday's "
        "name, an ICS event, an extra date, the weekend)",
        response=w.CalendarDays,
        query=qs.CalendarDaysQuery,
        errors=(400, 404),
    ),
    Operation(
        "PUT",
        "/calendars/{name}",
        "Change a calendar (a new version); the jobs using it are re-planned",
        response=w.CalendarView,
        body=c.CalendarBody,
        errors=(400, 404),
    ),
    Operation(
        "DELETE", "/calendars/{name}", "Delete a calendar no job uses", 204, errors=(404, 409)
    ),
    Operation(
        "GET",
        "/executions",
        "All executions, newest first",
        response=m.Page[m.Execution],
        query=qs.ExecutionListQuery,
        errors=BAD,
    ),
    Operation(
        "GET",
        "/executions/{execution_id}",
        "Get an execution",
        response=m.Execution,
        errors=NOT_FOUND,
    ),
    Operation(
        "POST",
        "/executions/{execution_id}/cancel",
        "Cancel (stops a running handler)",
        response=m.Execution,
        errors=(404, 409),
        scope=OPERATE,
    ),
    Operation(
        "POST",
        "/executions/{execution_id}/retry",
        "Queue a failed or cancelled execution again (same id, fresh retry budget)",
        202,
        m.Execution,
        errors=(404, 409),
        scope=OPERATE,
    ),
    Operation(
        "GET",
        "/dead-letter",
        "Dead-letter entries",
        response=m.Page[m.DeadLetter],
        query=qs.Paging,
        errors=BAD,
    ),
    Operation(
        "GET",
        "/dead-letter/{entry_id}",
        "Get an entry",
        response=m.DeadLetter,
        errors=NOT_FOUND,
    ),
    Operation(
        "DELETE",
        "/dead-letter/{entry_id}",
        "Delete an entry",
        204,
        errors=NOT_FOUND,
        scope=OPERATE,
    ),
    Operation(
        "POST",
        "/dead-letter/{entry_id}/redrive",
        "Queue the same execution again, with a fresh retry budget",
        202,
        m.Execution,
        errors=(404, 409),
        scope=OPERATE,
    ),
    Operation(
        "POST",
        "/workflows",
        "Create a workflow: steps (each a handler with its payload and settings) run after "
        "each other by their after lists and when conditions, passing results downstream",
        201,
        wm.Workflow,
        body=wf.WorkflowCreate,
        errors=(400, 409),
    ),
    Operation(
        "GET",
        "/workflows",
        "List workflows, newest first",
        response=m.Page[wm.Workflow],
        query=wq.WorkflowListQuery,
        errors=BAD,
    ),
    Operation(
        "GET", "/workflows/{workflow_id}", "Get a workflow", response=wm.Workflow, errors=NOT_FOUND
    ),
    Operation(
        "PUT",
        "/workflows/{workflow_id}",
        "Update a workflow (partial; steps, when sent, replace them all; a new version)",
        response=wm.Workflow,
        body=wf.WorkflowUpdate,
        errors=(400, 404, 409),
    ),
    Operation(
        "DELETE",
        "/workflows/{workflow_id}",
        "Delete a workflow, its runs and their executions",
        204,
        errors=NOT_FOUND,
    ),
    Operation(
        "POST",
        "/workflows/{workflow_id}/trigger",
        "Run the workflow now, at run_at or delay_ms from now; input is what its steps "
        'reference as {"$ref": "input.<path>"}',
        202,
        wm.WorkflowRun,
        body=wf.WorkflowTrigger,
        body_required=False,
        errors=(400, 404),
        scope=OPERATE,
        headers={
            "Idempotency-Key": "a repeated request with this key (at most 200 characters) "
            "answers with the workflow run the first one created"
        },
    ),
    Operation(
        "POST",
        "/workflows/{workflow_id}/pause",
        "Pause a workflow: no occurrence of its schedule runs until it is resumed",
        response=wm.Workflow,
        errors=NOT_FOUND,
        scope=OPERATE,
    ),
    Operation(
        "POST",
        "/workflows/{workflow_id}/resume",
        "Resume a workflow: its schedule goes on from now (what fell due while paused "
        "does not run)",
        response=wm.Workflow,
        errors=NOT_FOUND,
        scope=OPERATE,
    ),
    Operation(
        "POST",
        "/workflows/{workflow_id}/backfill",
        "A workflow run for each occurrence of the workflow's schedule in [start, end) "
        "that has none (a repeat makes none; at most 500 occurrences; one at a time "
        "unless overlap_policy is allow)",
        202,
        wm.WorkflowBackfillResult,
        body=c.Backfill,
        errors=(400, 404, 409),
        scope=OPERATE,
    ),
    Operation(
        "GET",
        "/workflows/{workflow_id}/occurrences",
        "The occurrence ledger of a scheduled workflow: each expected occurrence in a "
        "range and what became of it",
        response=wm.WorkflowOccurrencePage,
        query=qs.OccurrenceQuery,
        errors=(400, 404),
    ),
    Operation(
        "GET",
        "/workflows/{workflow_id}/runs",
        "A workflow's runs, newest first",
        response=m.Page[wm.WorkflowRun],
        query=wq.WorkflowRunListQuery,
        errors=(400, 404),
    ),
    Operation(
        "GET",
        "/workflow-runs/{run_id}",
        "Get a workflow run: each step's status, executions and reason",
        response=wm.WorkflowRun,
        errors=NOT_FOUND,
    ),
    Operation(
        "POST",
        "/workflow-runs/{run_id}/cancel",
        "Cancel a workflow run: its waiting and running steps and their executions",
        response=wm.WorkflowRun,
        errors=(404, 409),
        scope=OPERATE,
    ),
    Operation(
        "POST",
        "/workflow-runs/{run_id}/retry",
        "Retry from failure: failed, skipped and cancelled steps and their downstream run "
        "again; succeeded steps keep their results",
        202,
        wm.WorkflowRun,
        errors=(404, 409),
        scope=OPERATE,
    ),
    Operation(
        "GET",
        "/audit",
        "Changes made through the API, newest first",
        response=m.Page[m.AuditEntry],
        query=qs.AuditQuery,
        errors=BAD,
    ),
    Operation(
        "POST",
        "/keys",
        "Create an API key; the answer is the only one that holds the key itself",
        201,
        w.KeyCreated,
        body=c.KeyCreate,
        errors=BAD,
    ),
    # Who holds which scope, and who created whom: an inventory for admins.
    Operation(
        "GET",
        "/keys",
        "The API keys in force (never the keys themselves)",
        response=m.Page[m.ApiKey],
        scope=ADMIN,
    ),
    Operation("GET", "/keys/me", "The key this request was made with", response=w.Me),
    Operation(
        "DELETE",
        "/keys/{key_id}",
        "Revoke a key and the keys it created (transitively): refused by every API "
        "instance within a second",
        204,
        errors=NOT_FOUND,
    ),
)


def scope_of(method: str, path: str) -> str:
    """The scope a route needs, from the operations table (routes it does not list
    get the default: ``read`` for a GET, else ``admin``)."""
    for op in OPERATIONS:
        if (op.method, op.path) == (method, path):
            return op.needs
    return route_scope(method, None)


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


def _one_of(schemas: list[dict[str, Any]]) -> dict[str, Any]:
    return schemas[0] if len(schemas) == 1 else {"anyOf": schemas}


def _parameters(op: Operation) -> list[dict[str, Any]]:
    params = [
        {"name": p, "in": "path", "required": True, "schema": {"type": "string"}}
        for p in op.path_params
    ]
    params += [
        {
            "name": name,
            "in": "header",
            "required": False,
            "description": about,
            "schema": {"type": "string", "maxLength": 200},
        }
        for name, about in op.headers.items()
    ]
    if op.query is None:
        return params
    hints = typing.get_type_hints(op.query, include_extras=True)
    for f in msgspec.structs.fields(op.query):
        tp = hints[f.name]
        union = typing.get_origin(tp) in (typing.Union, types.UnionType)
        # A query parameter is absent or a value, never null.
        members = [m for m in (typing.get_args(tp) if union else (tp,)) if m is not type(None)]
        schema = _one_of([msgspec.json.schema(m) for m in members])
        if f.default not in (None, msgspec.NODEFAULT):
            schema["default"] = f.default
        params.append({"name": f.name, "in": "query", "required": False, "schema": schema})
    return params


def _operation(op: Operation, schema: dict[Any, dict[str, Any]]) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    if op.response is None:
        responses[str(op.status)] = {"description": "done"}
    else:
        models = op.response if isinstance(op.response, tuple) else (op.response,)
        responses[str(op.status)] = {
            "description": "ok",
            **_json(_one_of([schema[m] for m in models])),
        }
        if op.text:
            text = {"schema": {"type": "string", "description": op.text}}
            responses[str(op.status)]["content"]["text/plain"] = text
    for status, model in op.also.items():
        responses[str(status)] = {"description": "see the body", **_json(schema[model])}
    # Any key may be over its limit (429); only a key of too little scope is refused (403).
    # Any request may be malformed as HTTP (a Content-Length that is not a number): 400.
    keyed = () if op.public else (401, 429) if op.needs == "read" else (401, 403, 429)
    for status in sorted({*op.errors, *keyed, 400, 503} - set(op.also)):
        responses[str(status)] = {"description": "error", **_json(schema[w.Error])}
    if not op.public:
        responses["429"]["headers"] = {
            "Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}
        }
    doc: dict[str, Any] = {"summary": op.summary, "responses": responses}
    if not op.public:
        doc["description"] = f"Needs a key of scope {op.needs} or above."
    if parameters := _parameters(op):
        doc["parameters"] = parameters
    if op.body is not None:
        doc["requestBody"] = {"required": op.body_required, **_json(schema[op.body])}
    if op.public:
        # The key is optional here: no key, or a valid one.
        doc["security"] = [{}, {"bearer": []}]
    return doc


def _models() -> list[Any]:
    found: list[Any] = [w.Error]
    for op in OPERATIONS:
        response = op.response if isinstance(op.response, tuple) else (op.response,)
        found += [m for m in (*response, *op.also.values(), op.body) if m is not None]
    return list(dict.fromkeys(found))


VIEW = "View"
"""The suffix of a wire Struct named after what the queue or the catalog gives
(``jobsched.api.wire``: ``WorkerView``, ``HandlerView``)."""
GENERIC = re.compile(r"^(\w+)_(\w+)_$|^(\w+)\[(\w+)\]$")
"""msgspec's name of a generic model's component (``Page_Job_``) or its title
(``Page[Job]``)."""
LISTED_AS = {"AuditEntry": "Audit", "ApiKey": "Key"}
"""A page's name where it is not its item's (``AuditPage``, ``KeyPage``)."""


def _noun(name: str) -> str:
    """The document's name of a model: ``WorkerView`` is the API's ``Worker``, and a
    ``Page[Job]`` is a ``JobPage``, as they always were."""
    if found := GENERIC.match(name):
        generic, item = found.group(1) or found.group(3), found.group(2) or found.group(4)
        return f"{LISTED_AS.get(item, _noun(item))}{generic}"
    return name.removesuffix(VIEW)


def documented(node: Any) -> Any:
    """``node`` with each reference to and title of a model renamed as ``_noun`` says."""
    if isinstance(node, list | tuple):
        return [documented(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: documented(value) for key, value in node.items()}
    if isinstance(ref := out.get("$ref"), str) and ref.startswith(REF.format(name="")):
        out["$ref"] = REF.format(name=_noun(ref.removeprefix(REF.format(name=""))))
    if isinstance(title := out.get("title"), str):
        out["title"] = _noun(title)
    return out


def _without_ref_property(schema: dict[str, Any]) -> dict[str, Any]:
    """A flow key's ``{"$ref": "payload.<path>"}`` declared by pattern: a property named
    ``$ref`` reads as a reference to every tool that walks the document."""
    out = dict(schema)
    props = out.pop("properties", {})
    out["patternProperties"] = {"^\\$ref$": props["$ref"]}
    out["additionalProperties"] = False
    return out


@cache
def openapi_document() -> dict[str, Any]:
    models = _models()
    refs, components = msgspec.json.schema_components(models, ref_template=REF)
    schema = dict(zip(models, documented(refs), strict=True))
    components = {_noun(name): documented(model) for name, model in components.items()}
    if "KeyRef" in components:
        components["KeyRef"] = _without_ref_property(components["KeyRef"])
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op, schema)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Job Scheduler API", "version": "1"},
        "servers": [{"url": SERVER}],
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": components,
        },
        "paths": paths,
    }
