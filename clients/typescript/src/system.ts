// Flow control, business calendars, metrics and health.
import { done, ok, type RawClient } from "./call.js";
import { errorFromResponse } from "./errors.js";
import type {
  Calendar,
  CalendarBody,
  CalendarDays,
  CalendarDaysQuery,
  CalendarPage,
  ExecutionMetrics,
  ExecutionMetricsQuery,
  FlowPage,
  Health,
  Metrics,
} from "./types.js";

export function flowApi(raw: RawClient) {
  return {
    /** Each concurrency/rate key the job's unfinished runs hold: running, waiting, and why. */
    get: (jobId: string): Promise<FlowPage> => ok(raw.GET("/flow", { params: { query: { job_id: jobId } } })),
  };
}

export function calendarsApi(raw: RawClient) {
  return {
    /** A business calendar from working weekdays, public holidays, extra dates and/or ICS text. */
    create: (body: CalendarBody): Promise<Calendar> => ok(raw.POST("/calendars", { body })),
    list: (): Promise<CalendarPage> => ok(raw.GET("/calendars")),
    get: (name: string): Promise<Calendar> =>
      ok(raw.GET("/calendars/{name}", { params: { path: { name } } })),
    update: (name: string, body: CalendarBody): Promise<Calendar> =>
      ok(raw.PUT("/calendars/{name}", { params: { path: { name } }, body })),
    delete: (name: string): Promise<void> =>
      done(raw.DELETE("/calendars/{name}", { params: { path: { name } } })),
    /** Each day from `since` to `until` (YYYY-MM-DD): a business day or not, and why. */
    days: (name: string, query: CalendarDaysQuery = {}): Promise<CalendarDays> =>
      ok(raw.GET("/calendars/{name}/days", { params: { path: { name }, query } })),
  };
}

export function metricsApi(raw: RawClient) {
  return {
    /** Counts, queue depth, throughput, leader, run durations. */
    get: (): Promise<Metrics> => ok(raw.GET("/metrics")),
    /** The same in the Prometheus text format (what a scrape reads). */
    prometheus: (): Promise<string> => ok(raw.GET("/metrics/prometheus", { parseAs: "text" })),
    /** Executions per time bucket over a window. */
    executions: (query: ExecutionMetricsQuery = {}): Promise<ExecutionMetrics> =>
      ok(raw.GET("/metrics/executions", { params: { query } })),
  };
}

/** The health answer, also when it is 503 (its body says which dependency is down). */
export async function health(raw: RawClient): Promise<Health> {
  const answer = await raw.GET("/health");
  if (answer.data !== undefined) {
    return answer.data;
  }
  if (answer.response.status === 503 && answer.error !== undefined && "status" in answer.error) {
    return answer.error;
  }
  throw errorFromResponse(answer.response, answer.error);
}
