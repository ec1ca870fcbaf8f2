"""The API's operations, one table: each route's operationId and tag, summary, models,
statuses and the scope a key needs. ``jobsched.api.openapi`` builds the document from it,
``app.app`` reads each route's scope from it.

``operation_id`` and ``tag`` are written here, not derived from paths, so that the
names generated clients give their functions stay when a path changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
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


@dataclass(frozen=True)
class Operation:
    operation_id: str
    """Stable: generated clients name their functions after it; never derive it from the path."""
    tag: str
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
    """The success body is plain text (described here), not JSON."""

    @property
    def needs(self) -> str:
        return route_scope(self.method, self.scope)

    @property
    def path_params(self) -> list[str]:
        return re.findall(r"{(\w+)}", self.path)


PROMETHEUS_TEXT = "the Prometheus text exposition format, version 0.0.4"
NOT_FOUND, BAD, CONFLICT = (404,), (400,), (409,)
OPERATE = "operate"
ADMIN = "admin"

OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "getHealth",
        "system",
        "GET",
        "/health",
        "Up or down, for anyone; with an API key, each dependency's status and latency "
        "too (a wrong key is a 401). Answers from a probe at most 1 s old.",
        response=w.Health,
        errors=(401,),
        public=True,
        also={503: w.Health},
    ),
    # Public: client generators read the document from its URL.
    Operation(
        "getOpenApi",
        "system",
        "GET",
        "/openapi.json",
        "This document",
        response=dict[str, Any],
        public=True,
    ),
    Operation(
        "getMetrics",
        "system",
        "GET",
        "/metrics",
        "Counts, queue depth, throughput, leader, run durations. (A request whose Accept "
        "prefers text/plain, as a Prometheus server's does, or with format=prometheus, "
        "is answered getMetricsPrometheus's text instead.)",
        response=w.Metrics,
    ),
    Operation(
        "getMetricsPrometheus",
        "system",
        "GET",
        "/metrics/prometheus",
        "The metrics of getMetrics in the Prometheus text format (a scrape target)",
        text=PROMETHEUS_TEXT,
    ),
    Operation(
        "getExecutionMetrics",
        "system",
        "GET",
        "/metrics/executions",
        "Executions finished per time bucket (only buckets with runs are listed)",
        response=w.ExecutionMetrics,
        query=qs.MetricsQuery,
        errors=BAD,
    ),
    # Host names and process ids: what an operator needs, not every reader.
    Operation(
        "listWorkers",
        "system",
        "GET",
        "/workers",
        "Registered workers",
        response=w.WorkerPage,
        scope=OPERATE,
    ),
    Operation(
        "listHandlers",
        "system",
        "GET",
        "/handlers",
        "The handler catalog: the built-ins and what workers published (payload JSON "
        "Schema, pool, isolation), each with the live workers serving it",
        response=w.HandlerPage,
    ),
    Operation(
        "getFlow",
        "flow",
        "GET",
        "/flow",
        "A job's flow-control keys: its runs of each key running and waiting, the limit "
        "holding them (concurrency, rate, debounce) and when the next may start",
        response=w.FlowPage,
        query=qs.FlowQuery,
        errors=(400, 404),
    ),
    Operation(
        "createJob",
        "jobs",
        "POST",
        "/jobs",
        "Create a job",
        201,
        m.Job,
        body=c.JobCreate,
        errors=(400, 409),
    ),
    Operation(
        "listJobs",
        "jobs",
        "GET",
        "/jobs",
        "List jobs",
        response=m.Page[m.Job],
        query=qs.JobListQuery,
        errors=BAD,
    ),
    Operation(
        "getJob",
        "jobs",
        "GET",
        "/jobs/{job_id}",
        "Get a job (include=executions adds its latest executions)",
        response=m.Job,
        query=qs.JobGetQuery,
        errors=(400, 404),
    ),
    Operation(
        "updateJob",
        "jobs",
        "PUT",
        "/jobs/{job_id}",
        "Update a job (partial)",
        response=m.Job,
        body=c.JobUpdate,
        errors=(400, 404, 409),
    ),
    Operation(
        "deleteJob",
        "jobs",
        "DELETE",
        "/jobs/{job_id}",
        "Delete a job and its history",
        204,
        errors=NOT_FOUND,
    ),
    Operation(
        "pauseJob",
        "jobs",
        "POST",
        "/jobs/{job_id}/pause",
        "Pause",
        response=m.Job,
        errors=NOT_FOUND,
        scope=OPERATE,
    ),
    Operation(
        "resumeJob",
        "jobs",
        "POST",
        "/jobs/{job_id}/resume",
        "Resume",
        response=m.Job,
        errors=NOT_FOUND,
        scope=OPERATE,
    ),
    Operation(
        "triggerJob",
        "jobs",
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
        "getJobNextRuns",
        "jobs",
        "GET",
        "/jobs/{job_id}/next-runs",
        "The job's next runs, in its time zone with their UTC offsets",
        response=w.NextRuns,
        query=qs.NextRunsQuery,
        errors=(400, 404, 409),
    ),
    Operation(
        "backfillJob",
        "jobs",
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
        "listJobOccurrences",
        "jobs",
        "GET",
        "/jobs/{job_id}/occurrences",
        "The occurrence ledger: each expected occurrence in a range and what became of it",
        response=w.OccurrencePage,
        query=qs.OccurrenceQuery,
        errors=(400, 404),
    ),
    Operation(
        "previewSchedule",
        "jobs",
        "POST",
        "/schedules/preview",
        "The next runs of an unsaved schedule, in its time zone with their UTC offsets",
        response=w.NextRuns,
        body=c.SchedulePreview,
        errors=BAD,
        scope=OPERATE,
    ),
    Operation(
        "listJobExecutions",
        "executions",
        "GET",
        "/jobs/{job_id}/executions",
        "A job's executions, newest first",
        response=m.Page[m.Execution],
        query=qs.JobExecutionsQuery,
        errors=(400, 404),
    ),
    Operation(
        "explainJob",
        "jobs",
        "GET",
        "/jobs/{job_id}/explain",
        "What became of the job's occurrence at a time, and why (a closed day, a window, "
        "a bound, a pause, catch-up, overlap, a DST gap)",
        response=w.Explanation,
        query=qs.ExplainQuery,
        errors=(400, 404),
    ),
    Operation(
        "createCalendar",
        "calendars",
        "POST",
        "/calendars",
        "Create a business calendar",
        201,
        w.CalendarView,
        body=c.CalendarBody,
        errors=(400, 409),
    ),
    Operation(
        "listCalendars",
        "calendars",
        "GET",
        "/calendars",
        "The business calendars",
        response=w.CalendarPage,
    ),
    Operation(
        "getCalendar",
        "calendars",
        "GET",
        "/calendars/{name}",
        "Get a calendar (jobs: how many use it)",
        response=w.CalendarView,
        errors=NOT_FOUND,
    ),
    Operation(
        "listCalendarDays",
        "calendars",
        "GET",
        "/calendars/{name}/days",
        "Each day from since to until: a business day or not, and why not (a holiday's "
        "name, an ICS event, an extra date, the weekend)",
        response=w.CalendarDays,
        query=qs.CalendarDaysQuery,
        errors=(400, 404),
    ),
    Operation(
        "updateCalendar",
        "calendars",
        "PUT",
        "/calendars/{name}",
        "Change a calendar (a new version); the jobs using it are re-planned",
        response=w.CalendarView,
        body=c.CalendarBody,
        errors=(400, 404),
    ),
    Operation(
        "deleteCalendar",
        "calendars",
        "DELETE",
        "/calendars/{name}",
        "Delete a calendar no job uses",
        204,
        errors=(404, 409),
    ),
    Operation(
        "listExecutions",
        "executions",
        "GET",
        "/executions",
        "All executions, newest first",
        response=m.Page[m.Execution],
        query=qs.ExecutionListQuery,
        errors=BAD,
    ),
    Operation(
        "getExecution",
        "executions",
        "GET",
        "/executions/{execution_id}",
        "Get an execution",
        response=m.Execution,
        errors=NOT_FOUND,
    ),
    Operation(
        "cancelExecution",
        "executions",
        "POST",
        "/executions/{execution_id}/cancel",
        "Cancel (stops a running handler)",
        response=m.Execution,
        errors=(404, 409),
        scope=OPERATE,
    ),
    Operation(
        "retryExecution",
        "executions",
        "POST",
        "/executions/{execution_id}/retry",
        "Queue a failed or cancelled execution again (same id, fresh retry budget)",
        202,
        m.Execution,
        errors=(404, 409),
        scope=OPERATE,
    ),
    Operation(
        "listDeadLetters",
        "dlq",
        "GET",
        "/dead-letter",
        "Dead-letter entries",
        response=m.Page[m.DeadLetter],
        query=qs.Paging,
        errors=BAD,
    ),
    Operation(
        "getDeadLetter",
        "dlq",
        "GET",
        "/dead-letter/{entry_id}",
        "Get an entry",
        response=m.DeadLetter,
        errors=NOT_FOUND,
    ),
    Operation(
        "deleteDeadLetter",
        "dlq",
        "DELETE",
        "/dead-letter/{entry_id}",
        "Delete an entry",
        204,
        errors=NOT_FOUND,
        scope=OPERATE,
    ),
    Operation(
        "redriveDeadLetter",
        "dlq",
        "POST",
        "/dead-letter/{entry_id}/redrive",
        "Queue the same execution again, with a fresh retry budget",
        202,
        m.Execution,
        errors=(404, 409),
        scope=OPERATE,
    ),
    Operation(
        "createWorkflow",
        "workflows",
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
        "listWorkflows",
        "workflows",
        "GET",
        "/workflows",
        "List workflows, newest first",
        response=m.Page[wm.Workflow],
        query=wq.WorkflowListQuery,
        errors=BAD,
    ),
    Operation(
        "getWorkflow",
        "workflows",
        "GET",
        "/workflows/{workflow_id}",
        "Get a workflow",
        response=wm.Workflow,
        errors=NOT_FOUND,
    ),
    Operation(
        "updateWorkflow",
        "workflows",
        "PUT",
        "/workflows/{workflow_id}",
        "Update a workflow (partial; steps, when sent, replace them all; a new version)",
        response=wm.Workflow,
        body=wf.WorkflowUpdate,
        errors=(400, 404, 409),
    ),
    Operation(
        "deleteWorkflow",
        "workflows",
        "DELETE",
        "/workflows/{workflow_id}",
        "Delete a workflow, its runs and their executions",
        204,
        errors=NOT_FOUND,
    ),
    Operation(
        "triggerWorkflow",
        "workflows",
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
        "pauseWorkflow",
        "workflows",
        "POST",
        "/workflows/{workflow_id}/pause",
        "Pause a workflow: no occurrence of its schedule runs until it is resumed",
        response=wm.Workflow,
        errors=NOT_FOUND,
        scope=OPERATE,
    ),
    Operation(
        "resumeWorkflow",
        "workflows",
        "POST",
        "/workflows/{workflow_id}/resume",
        "Resume a workflow: its schedule goes on from now (what fell due while paused "
        "does not run)",
        response=wm.Workflow,
        errors=NOT_FOUND,
        scope=OPERATE,
    ),
    Operation(
        "backfillWorkflow",
        "workflows",
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
        "listWorkflowOccurrences",
        "workflows",
        "GET",
        "/workflows/{workflow_id}/occurrences",
        "The occurrence ledger of a scheduled workflow: each expected occurrence in a "
        "range and what became of it",
        response=wm.WorkflowOccurrencePage,
        query=qs.OccurrenceQuery,
        errors=(400, 404),
    ),
    Operation(
        "listWorkflowRuns",
        "workflows",
        "GET",
        "/workflows/{workflow_id}/runs",
        "A workflow's runs, newest first",
        response=m.Page[wm.WorkflowRun],
        query=wq.WorkflowRunListQuery,
        errors=(400, 404),
    ),
    Operation(
        "getWorkflowRun",
        "workflows",
        "GET",
        "/workflow-runs/{run_id}",
        "Get a workflow run: each step's status, executions and reason",
        response=wm.WorkflowRun,
        errors=NOT_FOUND,
    ),
    Operation(
        "cancelWorkflowRun",
        "workflows",
        "POST",
        "/workflow-runs/{run_id}/cancel",
        "Cancel a workflow run: its waiting and running steps and their executions",
        response=wm.WorkflowRun,
        errors=(404, 409),
        scope=OPERATE,
    ),
    Operation(
        "retryWorkflowRun",
        "workflows",
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
        "listAuditEntries",
        "audit",
        "GET",
        "/audit",
        "Changes made through the API, newest first",
        response=m.Page[m.AuditEntry],
        query=qs.AuditQuery,
        errors=BAD,
    ),
    Operation(
        "createKey",
        "keys",
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
        "listKeys",
        "keys",
        "GET",
        "/keys",
        "The API keys in force (never the keys themselves)",
        response=m.Page[m.ApiKey],
        scope=ADMIN,
    ),
    Operation(
        "getCurrentKey",
        "keys",
        "GET",
        "/keys/me",
        "The key this request was made with",
        response=w.Me,
    ),
    Operation(
        "revokeKey",
        "keys",
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
