// What a user writes on the types openapi-typescript generates from openapi.json with
// its default flags: create a job with only a name, a handler and a payload, trigger
// it with a payload override, read the execution, the metrics in both forms, and an
// error as the API's error shape. tests/unit/test_typescript_types.py compiles it with
// `tsc --strict` against a freshly generated schema.d.ts: 0 errors, or the document
// does not serve generated clients.
import createClient from "openapi-fetch";
import type { components, paths } from "./schema.js";

type Execution = components["schemas"]["Execution"];
type ErrorCode = components["schemas"]["ErrorCode"];

const client = createClient<paths>({
  baseUrl: "http://127.0.0.1:3001/api/v1",
  headers: { Authorization: "Bearer a-key" },
});

export async function flow(): Promise<Execution | undefined> {
  const created = await client.POST("/jobs", {
    body: { name: "nightly-report", handler: "test.echo", payload: { message: "hello" } },
  });
  if (created.error) {
    const code: ErrorCode = created.error.error.code;
    const fields: Record<string, string> | undefined = created.error.error.fields;
    throw new Error(`${code}: ${JSON.stringify(fields)}`);
  }
  const job = created.data;
  // Every field but name and handler has a default the server applies.
  await client.POST("/jobs", { body: { name: "minimal", handler: "test.echo" } });
  const triggered = await client.POST("/jobs/{job_id}/trigger", {
    params: { path: { job_id: job.id } },
    body: { payload: { message: "just this once", nested: { n: 1 } } },
  });
  if (triggered.data === undefined || !("status" in triggered.data)) {
    return undefined; // a batch ({"runs": [...]}) answers a page instead
  }
  const read = await client.GET("/executions/{execution_id}", {
    params: { path: { execution_id: triggered.data.id } },
  });
  const execution = read.data;
  if (execution) {
    const payload: Record<string, unknown> = execution.payload;
    const outcome = execution.attempts[0]?.outcome;
    console.log(execution.status, execution.source, outcome, payload["message"]);
  }
  const metrics = await client.GET("/metrics");
  console.log(metrics.data?.jobs);
  const text = await client.GET("/metrics/prometheus", { parseAs: "text" });
  console.log(text.data?.length);
  const document = await client.GET("/openapi.json");
  const version: unknown = document.data?.["openapi"];
  console.log(version);
  const health = await client.GET("/health");
  if (health.response.status === 401) {
    console.log(health.error);
  }
  return execution;
}
