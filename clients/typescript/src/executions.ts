// Executions (runs of jobs) and the dead-letter queue that holds those out of retries.
import { done, ok, type RawClient } from "./call.js";
import { iteratePages } from "./paging.js";
import type {
  DeadLetter,
  DeadLetterPage,
  Execution,
  ExecutionPage,
  ListDeadLettersQuery,
  ListExecutionsQuery,
} from "./types.js";

export function executionsApi(raw: RawClient) {
  const list = (query: ListExecutionsQuery = {}): Promise<ExecutionPage> =>
    ok(raw.GET("/executions", { params: { query } }));
  return {
    /** One page of executions of every job, filtered by `status`, `job_id`, `handler`. */
    list,
    iterate: (query: ListExecutionsQuery = {}): AsyncGenerator<Execution, void, undefined> =>
      iteratePages(list, query),
    get: (executionId: string): Promise<Execution> =>
      ok(raw.GET("/executions/{execution_id}", { params: { path: { execution_id: executionId } } })),
    /** Cancels a run that has not finished (a running one is stopped). */
    cancel: (executionId: string): Promise<Execution> =>
      ok(raw.POST("/executions/{execution_id}/cancel", { params: { path: { execution_id: executionId } } })),
    /** Runs a finished execution again, with a fresh retry budget. */
    retry: (executionId: string): Promise<Execution> =>
      ok(raw.POST("/executions/{execution_id}/retry", { params: { path: { execution_id: executionId } } })),
  };
}

export function deadLetterApi(raw: RawClient) {
  const list = (query: ListDeadLettersQuery = {}): Promise<DeadLetterPage> =>
    ok(raw.GET("/dead-letter", { params: { query } }));
  return {
    /** One page of the dead-letter queue, newest first. */
    list,
    iterate: (query: ListDeadLettersQuery = {}): AsyncGenerator<DeadLetter, void, undefined> =>
      iteratePages(list, query),
    get: (entryId: string): Promise<DeadLetter> =>
      ok(raw.GET("/dead-letter/{entry_id}", { params: { path: { entry_id: entryId } } })),
    /** Queues the entry's execution again (same id and payload, a fresh retry budget). */
    redrive: (entryId: string): Promise<Execution> =>
      ok(raw.POST("/dead-letter/{entry_id}/redrive", { params: { path: { entry_id: entryId } } })),
    delete: (entryId: string): Promise<void> =>
      done(raw.DELETE("/dead-letter/{entry_id}", { params: { path: { entry_id: entryId } } })),
  };
}
