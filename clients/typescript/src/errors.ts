// The API answers every refusal with one shape, {"error": {code, message, fields?}}
// (the document's Error schema). JobSchedulerError carries it as typed fields, so a
// caller branches on `err.code === "not_found"` or shows `err.fields.priority`.
import type { ErrorCode, ErrorDetail } from "./types.js";

// What a status means when its body is not the API's shape (a proxy's HTML page, an
// empty body): the code the API itself would have used for that status.
const CODE_OF_STATUS: Readonly<Partial<Record<number, ErrorCode>>> = {
  400: "bad_request",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  405: "method_not_allowed",
  409: "conflict",
  414: "request_too_long",
  415: "unsupported_media_type",
  429: "rate_limited",
  502: "dependency_unavailable",
  503: "dependency_unavailable",
  504: "dependency_unavailable",
};

/** A non-2xx answer of the API, decoded from its error shape. */
export class JobSchedulerError extends Error {
  override readonly name = "JobSchedulerError";
  /** The HTTP status (404, 400, 409, ...). */
  readonly status: number;
  /** The API's machine-readable code (`not_found`, `validation_error`, ...). */
  readonly code: ErrorCode;
  /** Each bad field and what is wrong with it (empty when no field is to blame). */
  readonly fields: Readonly<Record<string, string>>;
  /** The whole error object: with a 409 `limit`/`unfinished`, with a 403 `required_scope`. */
  readonly detail: ErrorDetail;
  /** The HTTP answer, for its headers (Retry-After with a 429). */
  readonly response: Response | undefined;

  constructor(status: number, detail: ErrorDetail, response?: Response) {
    super(detail.message);
    this.status = status;
    this.code = detail.code;
    this.fields = detail.fields ?? {};
    this.detail = detail;
    this.response = response;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isErrorDetail(value: unknown): value is ErrorDetail {
  return isObject(value) && typeof value["code"] === "string" && typeof value["message"] === "string";
}

/** The error for an answer whose body openapi-fetch read as `body` (JSON, text or nothing). */
export function errorFromResponse(response: Response, body: unknown): JobSchedulerError {
  const detail = isObject(body) ? body["error"] : undefined;
  if (isErrorDetail(detail)) {
    return new JobSchedulerError(response.status, detail, response);
  }
  const text = typeof body === "string" ? body.trim().slice(0, 500) : "";
  const message = text || `HTTP ${response.status} ${response.statusText}`.trim();
  const code = CODE_OF_STATUS[response.status] ?? "internal_error";
  return new JobSchedulerError(response.status, { code, message }, response);
}

/** Thrown by the wait helpers when a run has not finished in time; `last` is its latest state. */
export class WaitTimeoutError<T> extends Error {
  override readonly name = "WaitTimeoutError";
  readonly last: T;

  constructor(message: string, last: T) {
    super(message);
    this.last = last;
  }
}
