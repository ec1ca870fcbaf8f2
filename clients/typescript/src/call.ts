// One place turns openapi-fetch's {data, error, response} into a value or a thrown
// JobSchedulerError, so every helper returns the model itself.
import createClient, { type Client } from "openapi-fetch";
import { errorFromResponse } from "./errors.js";
import type { paths } from "./schema.js";
import type { Execution, ExecutionPage } from "./types.js";

export type RawClient = Client<paths>;

interface Answer<D> {
  data?: D;
  error?: unknown;
  response: Response;
}

/** The answer's body, or a JobSchedulerError for a non-2xx status. */
export async function ok<D>(call: Promise<Answer<D>>): Promise<D> {
  const answer = await call;
  if (!answer.response.ok) {
    throw errorFromResponse(answer.response, answer.error);
  }
  return answer.data as D;
}

/** For operations that answer 204 with no body. */
export async function done(call: Promise<Answer<unknown>>): Promise<void> {
  await ok(call);
}

/** A trigger answers one execution, or a page of them for {"runs": [...]}. */
export function executionsOf(answer: Execution | ExecutionPage): Execution[] {
  return "items" in answer ? answer.items : [answer];
}

export function firstExecution(answer: Execution | ExecutionPage): Execution {
  const [first] = executionsOf(answer);
  if (first === undefined) {
    throw new Error("the trigger answered no execution");
  }
  return first;
}

export interface ConnectOptions {
  /** The API's root, with its prefix: `http://127.0.0.1:3001/api/v1`. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <apiKey>` (only GET /health and GET /openapi.json work without one). */
  apiKey?: string;
  /** Another fetch (a test double, or one with a proxy agent); default globalThis.fetch. */
  fetch?: (input: Request) => Promise<Response>;
  /** More headers for every request. */
  headers?: Record<string, string>;
}

export function connect(options: ConnectOptions): RawClient {
  const headers: Record<string, string> = { ...options.headers };
  if (options.apiKey !== undefined) {
    headers["Authorization"] = `Bearer ${options.apiKey}`;
  }
  return createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ""),
    headers,
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
  });
}
