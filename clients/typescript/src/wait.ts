// Waiting for a run to end: poll its state until it is finished. Which states are
// final is written down once here, keyed by the document's enums: a status added to the
// API leaves this Record incomplete, and `tsc` fails until someone decides where it goes.
import { WaitTimeoutError } from "./errors.js";
import type { ExecutionStatus, WorkflowRunStatus } from "./types.js";

const EXECUTION_FINISHED: Readonly<Record<ExecutionStatus, boolean>> = {
  PENDING: false,
  QUEUED: false,
  RUNNING: false,
  RETRYING: false, // an attempt failed; it runs again after its backoff
  SUCCEEDED: true,
  FAILED: true, // out of retries: in the dead-letter queue
  CANCELLED: true,
  SKIPPED: true,
};

const WORKFLOW_RUN_FINISHED: Readonly<Record<WorkflowRunStatus, boolean>> = {
  PENDING: false,
  RUNNING: false,
  SUCCEEDED: true,
  FAILED: true,
  CANCELLED: true,
};

function finished<S extends string>(table: Readonly<Record<S, boolean>>): readonly S[] {
  return (Object.keys(table) as S[]).filter((status) => table[status]);
}

/** The execution statuses a run never leaves (unless retried or redriven by hand). */
export const FINISHED_EXECUTION_STATUSES: readonly ExecutionStatus[] = finished(EXECUTION_FINISHED);
/** The workflow run statuses a run never leaves (unless retried by hand). */
export const FINISHED_WORKFLOW_RUN_STATUSES: readonly WorkflowRunStatus[] =
  finished(WORKFLOW_RUN_FINISHED);

export function isExecutionFinished(status: ExecutionStatus): boolean {
  return EXECUTION_FINISHED[status];
}

export function isWorkflowRunFinished(status: WorkflowRunStatus): boolean {
  return WORKFLOW_RUN_FINISHED[status];
}

export interface WaitOptions {
  /** Give up (WaitTimeoutError) after this long; default 60 000. */
  timeoutMs?: number;
  /** Time between two reads; default 500. */
  intervalMs?: number;
  /** Stops the wait early (the promise rejects with the signal's reason). */
  signal?: AbortSignal;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Reads `read()` until `isDone` holds for its answer, or the time is up. */
export async function pollUntil<T>(
  read: () => Promise<T>,
  isDone: (value: T) => boolean,
  what: string,
  options: WaitOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const intervalMs = options.intervalMs ?? 500;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    options.signal?.throwIfAborted();
    const value = await read();
    if (isDone(value)) {
      return value;
    }
    const left = deadline - Date.now();
    if (left <= 0) {
      throw new WaitTimeoutError(`${what} has not finished after ${timeoutMs} ms`, value);
    }
    await sleep(Math.min(intervalMs, left), options.signal);
  }
}
