"""The workflow operations of the API's operations table (``jobsched.api.operations``):
workflows, their runs and their occurrence ledger."""

from __future__ import annotations

from jobsched.api import queries as qs
from jobsched.api import workflow_queries as wq
from jobsched.api.operation import BAD, NOT_FOUND, OPERATE, Operation
from jobsched.domain import contract as c
from jobsched.domain import models as m
from jobsched.domain import workflow_models as wm
from jobsched.domain import workflows as wf

WORKFLOW_OPERATIONS: tuple[Operation, ...] = (
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
)
