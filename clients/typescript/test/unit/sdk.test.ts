// The SDK's own behaviour, against a fake fetch: what a user sees without a server.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createJobScheduler, JobSchedulerError, WaitTimeoutError } from "../../src/index.js";
import { fakeFetch, json } from "./fake.js";

const BASE = "http://api.example/api/v1";

function execution(status: string): Record<string, unknown> {
  return { id: "6f1c5e9a-0000-4000-8000-000000000001", status, attempts: [] };
}

describe("the SDK without a server", () => {
  it("sends the API key as a bearer token to the base URL", async () => {
    const fake = fakeFetch([json(200, { items: [], next_cursor: null, total: 0 })]);
    const sdk = createJobScheduler({ baseUrl: `${BASE}/`, apiKey: "k-123", fetch: fake.fetch });
    await sdk.jobs.list({ limit: 5 });
    const [request] = fake.requests;
    assert.equal(request?.url.toString(), `${BASE}/jobs?limit=5`);
    assert.equal(request?.headers.get("authorization"), "Bearer k-123");
  });

  it("iterates every page, passing each next_cursor", async () => {
    const fake = fakeFetch([
      json(200, { items: [{ name: "a" }, { name: "b" }], next_cursor: "c1", total: 5 }),
      json(200, { items: [{ name: "c" }, { name: "d" }], next_cursor: "c2", total: 5 }),
      json(200, { items: [{ name: "e" }], next_cursor: null, total: 5 }),
    ]);
    const sdk = createJobScheduler({ baseUrl: BASE, fetch: fake.fetch });
    const names: string[] = [];
    for await (const job of sdk.jobs.iterate({ limit: 2, handler: "test.echo" })) {
      names.push(job.name);
    }
    assert.deepEqual(names, ["a", "b", "c", "d", "e"]);
    assert.deepEqual(
      fake.requests.map((r) => r.url.searchParams.get("cursor")),
      [null, "c1", "c2"],
    );
    assert.ok(fake.requests.every((r) => r.url.searchParams.get("limit") === "2"));
    assert.ok(fake.requests.every((r) => r.url.searchParams.get("handler") === "test.echo"));
  });

  it("stops fetching pages when the loop breaks", async () => {
    const fake = fakeFetch([json(200, { items: [{ name: "a" }, { name: "b" }], next_cursor: "c1", total: 9 })]);
    const sdk = createJobScheduler({ baseUrl: BASE, fetch: fake.fetch });
    for await (const job of sdk.jobs.iterate({ limit: 2 })) {
      assert.equal(job.name, "a");
      break;
    }
    assert.equal(fake.requests.length, 1);
  });

  it("throws the API's error shape as a JobSchedulerError", async () => {
    const fake = fakeFetch([
      json(400, {
        error: { code: "validation_error", message: "invalid job", fields: { priority: "must be 0-100" } },
      }),
    ]);
    const sdk = createJobScheduler({ baseUrl: BASE, fetch: fake.fetch });
    const error = await sdk.jobs.create({ name: "x", handler: "test.echo", priority: 500 }).then(
      () => assert.fail("no error"),
      (e: unknown) => e,
    );
    assert.ok(error instanceof JobSchedulerError);
    assert.equal(error.status, 400);
    assert.equal(error.code, "validation_error");
    assert.equal(error.message, "invalid job");
    assert.deepEqual(error.fields, { priority: "must be 0-100" });
  });

  it("gives an answer that is not the API's shape a code from its status", async () => {
    const fake = fakeFetch([() => new Response("<html>Bad gateway</html>", { status: 502 })]);
    const sdk = createJobScheduler({ baseUrl: BASE, fetch: fake.fetch });
    await assert.rejects(sdk.metrics.get(), (e: unknown) => {
      assert.ok(e instanceof JobSchedulerError);
      assert.equal(e.status, 502);
      assert.equal(e.code, "dependency_unavailable");
      assert.equal(e.message, "<html>Bad gateway</html>");
      assert.deepEqual(e.fields, {});
      return true;
    });
  });

  it("answers the health body on a 503 instead of throwing", async () => {
    const fake = fakeFetch([json(503, { status: "down" })]);
    const sdk = createJobScheduler({ baseUrl: BASE, fetch: fake.fetch });
    assert.deepEqual(await sdk.health(), { status: "down" });
  });

  it("waits through unfinished statuses (RETRYING too) to a finished one", async () => {
    const fake = fakeFetch([
      json(200, execution("QUEUED")),
      json(200, execution("RETRYING")),
      json(200, execution("RUNNING")),
      json(200, execution("FAILED")),
    ]);
    const sdk = createJobScheduler({ baseUrl: BASE, fetch: fake.fetch });
    const run = await sdk.waitForRun("6f1c5e9a-0000-4000-8000-000000000001", { intervalMs: 1 });
    assert.equal(run.status, "FAILED");
    assert.equal(fake.requests.length, 4);
  });

  it("stops waiting when its signal aborts", async () => {
    const answers = Array.from({ length: 1000 }, () => json(200, execution("RUNNING")));
    const sdk = createJobScheduler({ baseUrl: BASE, fetch: fakeFetch(answers).fetch });
    const controller = new AbortController();
    const waiting = sdk.waitForRun("6f1c5e9a", { intervalMs: 60_000, signal: controller.signal });
    setTimeout(() => controller.abort(new Error("user gave up")), 10);
    await assert.rejects(waiting, /user gave up/);
  });

  it("gives up after timeoutMs with the run's latest state", async () => {
    const answers = Array.from({ length: 1000 }, () => json(200, execution("RUNNING")));
    const sdk = createJobScheduler({ baseUrl: BASE, fetch: fakeFetch(answers).fetch });
    await assert.rejects(sdk.waitForRun("6f1c5e9a", { timeoutMs: 30, intervalMs: 5 }), (e: unknown) => {
      assert.ok(e instanceof WaitTimeoutError);
      assert.equal((e.last as { status: string }).status, "RUNNING");
      return true;
    });
  });
});
