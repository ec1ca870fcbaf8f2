// The flows run against a running stack: its API URL (with /api/v1) and a key come from
// JOBSCHED_URL and JOBSCHED_API_KEY (tests/e2e/test_sdk_typescript.py sets them for
// the e2e stack; `python -m tests.e2e.stack` prints a throwaway stack's).
import { randomUUID } from "node:crypto";
import { createJobScheduler, type JobScheduler } from "../../src/index.js";

export function stackEnv(): { baseUrl: string; apiKey: string } {
  const baseUrl = process.env["JOBSCHED_URL"];
  const apiKey = process.env["JOBSCHED_API_KEY"];
  if (!baseUrl || !apiKey) {
    throw new Error(
      "these tests run the README's flows against a running stack: set JOBSCHED_URL " +
        "(e.g. http://127.0.0.1:3001/api/v1) and JOBSCHED_API_KEY",
    );
  }
  return { baseUrl, apiKey };
}

export function connectToStack(): JobScheduler {
  return createJobScheduler(stackEnv());
}

/** A name no other test run uses (names of jobs, workflows and calendars are unique). */
export function unique(name: string): string {
  return `${name}-${randomUUID().slice(0, 8)}`;
}

/** A run's wait bound: generous, as the stack shares two cores with the rest of CI. */
export const RUN_TIMEOUT_MS = 60_000;
