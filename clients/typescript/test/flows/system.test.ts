// Metrics in both forms, health, and refusals decoded as the API's error shape.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createJobScheduler, JobSchedulerError } from "../../src/index.js";
import { connectToStack, stackEnv, unique } from "./stack.js";

const sdk = connectToStack();

describe("metrics and health", () => {
  it("reads the metrics as JSON and as Prometheus text", async () => {
    const metrics = await sdk.metrics.get();
    assert.equal(typeof metrics.jobs.total, "number");
    const text = await sdk.metrics.prometheus();
    assert.match(text, /^# TYPE jobsched_jobs gauge$/m);
    assert.match(text, /^jobsched_queue_depth/m);
  });

  it("reports health with each dependency's check", async () => {
    const health = await sdk.health();
    assert.equal(health.status, "ok");
    assert.ok(health.checks !== undefined && Object.keys(health.checks).length > 0);
  });
});

describe("errors", () => {
  it("answers an unknown id with a JobSchedulerError not_found", async () => {
    await assert.rejects(sdk.executions.get("00000000-0000-4000-8000-000000000000"), (e: unknown) => {
      assert.ok(e instanceof JobSchedulerError);
      assert.equal(e.status, 404);
      assert.equal(e.code, "not_found");
      assert.ok(e.message.length > 0);
      return true;
    });
  });

  it("names each bad field of a refused job, and creates nothing", async () => {
    const name = unique("bad");
    const error = await sdk.jobs
      .create({ name, handler: "test.echo", priority: 500, schedule: "not a cron" })
      .then(() => assert.fail("created"), (e: unknown) => e);
    assert.ok(error instanceof JobSchedulerError);
    assert.equal(error.status, 400);
    assert.equal(error.code, "validation_error");
    assert.ok("priority" in error.fields, JSON.stringify(error.fields));
    assert.ok("schedule" in error.fields, JSON.stringify(error.fields));
    assert.equal((await sdk.jobs.list({ name })).total, 0);
  });

  it("refuses a wrong key with unauthorized", async () => {
    const stranger = createJobScheduler({ baseUrl: stackEnv().baseUrl, apiKey: "not-a-key" });
    await assert.rejects(stranger.jobs.list(), (e: unknown) => e instanceof JobSchedulerError && e.code === "unauthorized" && e.status === 401);
  });
});
