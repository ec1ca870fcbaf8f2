// Jobs: create, read, change, pause/resume, delete, and trigger runs now or later.
import { done, executionsOf, firstExecution, ok, type RawClient } from "./call.js";
import { iteratePages } from "./paging.js";
import type {
  Execution,
  ExecutionPage,
  GetJobQuery,
  Job,
  JobCreate,
  JobPage,
  JobUpdate,
  ListJobExecutionsQuery,
  ListJobsQuery,
  Trigger,
  TriggerRun,
} from "./types.js";

export interface TriggerOptions {
  /** A repeated trigger with the same key answers the run(s) the first one made. */
  idempotencyKey?: string;
}

export function idempotency(options: TriggerOptions): { "Idempotency-Key"?: string } {
  const key = options.idempotencyKey;
  return key === undefined ? {} : { "Idempotency-Key": key };
}

export function jobsApi(raw: RawClient) {
  const list = (query: ListJobsQuery = {}): Promise<JobPage> =>
    ok(raw.GET("/jobs", { params: { query } }));
  const executions = (jobId: string, query: ListJobExecutionsQuery = {}): Promise<ExecutionPage> =>
    ok(raw.GET("/jobs/{job_id}/executions", { params: { path: { job_id: jobId }, query } }));
  const trigger = (jobId: string, body: Trigger, options: TriggerOptions) =>
    ok(
      raw.POST("/jobs/{job_id}/trigger", {
        params: { path: { job_id: jobId }, header: idempotency(options) },
        body,
      }),
    );
  return {
    /** Creates a job; only `name` and `handler` are required, the server applies the defaults. */
    create: (body: JobCreate): Promise<Job> => ok(raw.POST("/jobs", { body })),
    /** One page of jobs (`limit`, `cursor`, filters, `sort`). */
    list,
    /** Every job matching `query`, page after page (`limit` is the page size). */
    iterate: (query: ListJobsQuery = {}): AsyncGenerator<Job, void, undefined> =>
      iteratePages(list, query),
    get: (jobId: string, query: GetJobQuery = {}): Promise<Job> =>
      ok(raw.GET("/jobs/{job_id}", { params: { path: { job_id: jobId }, query } })),
    /** A partial update: fields left out keep their value. */
    update: (jobId: string, body: JobUpdate): Promise<Job> =>
      ok(raw.PUT("/jobs/{job_id}", { params: { path: { job_id: jobId } }, body })),
    delete: (jobId: string): Promise<void> =>
      done(raw.DELETE("/jobs/{job_id}", { params: { path: { job_id: jobId } } })),
    pause: (jobId: string): Promise<Job> =>
      ok(raw.POST("/jobs/{job_id}/pause", { params: { path: { job_id: jobId } } })),
    resume: (jobId: string): Promise<Job> =>
      ok(raw.POST("/jobs/{job_id}/resume", { params: { path: { job_id: jobId } } })),
    /**
     * One run now, or at `run_at` / after `delay_ms`, with its own `payload` (used
     * instead of the job's, for this run only) or `priority`.
     */
    trigger: async (jobId: string, run: TriggerRun = {}, options: TriggerOptions = {}): Promise<Execution> =>
      firstExecution(await trigger(jobId, run, options)),
    /** Several runs in one request (at most 500), each with its own overrides. */
    triggerMany: async (jobId: string, runs: TriggerRun[], options: TriggerOptions = {}): Promise<Execution[]> =>
      executionsOf(await trigger(jobId, { runs }, options)),
    /** One page of the job's executions, newest first. */
    executions,
    iterateExecutions: (jobId: string, query: ListJobExecutionsQuery = {}) =>
      iteratePages((q: ListJobExecutionsQuery) => executions(jobId, q), query),
  };
}
