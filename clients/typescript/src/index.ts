// @jobsched/client: the Job Scheduler API for TypeScript. createJobScheduler() gives
// the raw openapi-fetch client typed from openapi.json, and helpers for the product's
// flows that return the models themselves and throw JobSchedulerError on a refusal.
import { connect, ok, type ConnectOptions, type RawClient } from "./call.js";
import { deadLetterApi, executionsApi } from "./executions.js";
import { jobsApi } from "./jobs.js";
import { calendarsApi, flowApi, health, metricsApi } from "./system.js";
import type { Execution } from "./types.js";
import { isExecutionFinished, pollUntil, type WaitOptions } from "./wait.js";
import { workflowsApi } from "./workflows.js";

export type JobSchedulerOptions = ConnectOptions;

export function createJobScheduler(options: JobSchedulerOptions) {
  const raw: RawClient = connect(options);
  const getExecution = (executionId: string): Promise<Execution> =>
    ok(raw.GET("/executions/{execution_id}", { params: { path: { execution_id: executionId } } }));
  return {
    /** The openapi-fetch client: every operation of the document, typed, answering {data, error, response}. */
    raw,
    jobs: jobsApi(raw),
    executions: executionsApi(raw),
    dlq: deadLetterApi(raw),
    workflows: workflowsApi(raw),
    flow: flowApi(raw),
    calendars: calendarsApi(raw),
    metrics: metricsApi(raw),
    /** `ok`, `degraded` or `down`; with a key, each dependency's status too. */
    health: (): ReturnType<typeof health> => health(raw),
    /**
     * Polls an execution until it is finished (SUCCEEDED, FAILED, CANCELLED or SKIPPED)
     * and answers it; WaitTimeoutError (with the latest state) after `timeoutMs`.
     */
    waitForRun: (executionId: string, options: WaitOptions = {}): Promise<Execution> =>
      pollUntil(
        () => getExecution(executionId),
        (execution) => isExecutionFinished(execution.status),
        `execution ${executionId}`,
        options,
      ),
  };
}

export type JobScheduler = ReturnType<typeof createJobScheduler>;

export type { ConnectOptions, RawClient } from "./call.js";
export { JobSchedulerError, WaitTimeoutError } from "./errors.js";
export type { TriggerOptions } from "./jobs.js";
export { followPages, type Page } from "./paging.js";
export type { components, operations, paths } from "./schema.js";
export * from "./types.js";
export {
  FINISHED_EXECUTION_STATUSES,
  FINISHED_WORKFLOW_RUN_STATUSES,
  isExecutionFinished,
  isWorkflowRunFinished,
  type WaitOptions,
} from "./wait.js";
