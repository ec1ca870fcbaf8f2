// Workflows: steps that run in the order their `after` lists say, and their runs.
import { done, ok, type RawClient } from "./call.js";
import { iteratePages } from "./paging.js";
import { idempotency, type TriggerOptions } from "./jobs.js";
import { isWorkflowRunFinished, pollUntil, type WaitOptions } from "./wait.js";
import type {
  ListWorkflowRunsQuery,
  ListWorkflowsQuery,
  Workflow,
  WorkflowCreate,
  WorkflowPage,
  WorkflowRun,
  WorkflowRunPage,
  WorkflowTrigger,
  WorkflowUpdate,
} from "./types.js";

export function workflowsApi(raw: RawClient) {
  const list = (query: ListWorkflowsQuery = {}): Promise<WorkflowPage> =>
    ok(raw.GET("/workflows", { params: { query } }));
  const getRun = (runId: string): Promise<WorkflowRun> =>
    ok(raw.GET("/workflow-runs/{run_id}", { params: { path: { run_id: runId } } }));
  const runs = (workflowId: string, query: ListWorkflowRunsQuery = {}): Promise<WorkflowRunPage> =>
    ok(raw.GET("/workflows/{workflow_id}/runs", { params: { path: { workflow_id: workflowId }, query } }));
  return {
    create: (body: WorkflowCreate): Promise<Workflow> => ok(raw.POST("/workflows", { body })),
    list,
    iterate: (query: ListWorkflowsQuery = {}): AsyncGenerator<Workflow, void, undefined> =>
      iteratePages(list, query),
    get: (workflowId: string): Promise<Workflow> =>
      ok(raw.GET("/workflows/{workflow_id}", { params: { path: { workflow_id: workflowId } } })),
    update: (workflowId: string, body: WorkflowUpdate): Promise<Workflow> =>
      ok(raw.PUT("/workflows/{workflow_id}", { params: { path: { workflow_id: workflowId } }, body })),
    delete: (workflowId: string): Promise<void> =>
      done(raw.DELETE("/workflows/{workflow_id}", { params: { path: { workflow_id: workflowId } } })),
    /** A run now, at `run_at` or after `delay_ms`, with an `input` its steps can reference. */
    trigger: (workflowId: string, body: WorkflowTrigger = {}, options: TriggerOptions = {}): Promise<WorkflowRun> =>
      ok(
        raw.POST("/workflows/{workflow_id}/trigger", {
          params: {
            path: { workflow_id: workflowId },
            header: idempotency(options),
          },
          body,
        }),
      ),
    /** A run with each step's status and execution. */
    getRun,
    /** One page of the workflow's runs. */
    runs,
    iterateRuns: (workflowId: string, query: ListWorkflowRunsQuery = {}) =>
      iteratePages((q: ListWorkflowRunsQuery) => runs(workflowId, q), query),
    cancelRun: (runId: string): Promise<WorkflowRun> =>
      ok(raw.POST("/workflow-runs/{run_id}/cancel", { params: { path: { run_id: runId } } })),
    /** Polls the run until SUCCEEDED, FAILED or CANCELLED (WaitTimeoutError after `timeoutMs`). */
    waitForRun: (runId: string, options: WaitOptions = {}): Promise<WorkflowRun> =>
      pollUntil(() => getRun(runId), (run) => isWorkflowRunFinished(run.status), `workflow run ${runId}`, options),
  };
}
