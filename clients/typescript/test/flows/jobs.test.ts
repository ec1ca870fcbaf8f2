// The README's job flows against the stack: create with a cron in a time zone, page,
// update, pause/resume, trigger with an override and run_at, executions, cancel.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { JobSchedulerError } from "../../src/index.js";
import { connectToStack, RUN_TIMEOUT_MS, unique } from "./stack.js";

const sdk = connectToStack();
const made: string[] = [];

after(async () => {
  for (const id of made) {
    await sdk.jobs.delete(id).catch(() => undefined);
  }
});

function hourIn(timeZone: string, iso: string): number {
  const parts = new Intl.DateTimeFormat("en-GB", { timeZone, hour: "numeric", hourCycle: "h23" });
  return Number(parts.format(new Date(iso)));
}

describe("jobs", () => {
  it("creates a job with a cron in a time zone: its runs fall at 09:00 there", async () => {
    const job = await sdk.jobs.create({
      name: unique("paris-report"),
      handler: "test.echo",
      schedule: "0 9 * * 1-5",
      timezone: "Europe/Paris",
      payload: { report: "daily" },
    });
    made.push(job.id);
    assert.equal(job.status, "SCHEDULED");
    assert.equal(job.timezone, "Europe/Paris");
    assert.deepEqual(job.payload, { report: "daily" });
    assert.equal(job.priority, 50); // a default the server applied
    assert.ok(job.next_run_time !== null);
    assert.equal(hourIn("Europe/Paris", job.next_run_time), 9);
    const read = await sdk.jobs.get(job.id);
    assert.equal(read.next_run_time, job.next_run_time);
  });

  it("pages through jobs with a small limit, following next_cursor", async () => {
    const prefix = unique("paged");
    for (let i = 0; i < 5; i += 1) {
      made.push((await sdk.jobs.create({ name: `${prefix}-${i}`, handler: "test.echo" })).id);
    }
    const first = await sdk.jobs.list({ name: prefix, limit: 2, sort: "name" });
    assert.equal(first.total, 5);
    assert.equal(first.items.length, 2);
    assert.ok(first.next_cursor !== null);
    const names: string[] = [];
    for await (const job of sdk.jobs.iterate({ name: prefix, limit: 2, sort: "name" })) {
      names.push(job.name);
    }
    assert.deepEqual(names, [0, 1, 2, 3, 4].map((i) => `${prefix}-${i}`));
  });

  it("updates a job; pauses it (a trigger is then refused) and resumes it", async () => {
    const job = await sdk.jobs.create({ name: unique("edited"), handler: "test.echo", schedule: "*/5 * * * *" });
    made.push(job.id);
    const updated = await sdk.jobs.update(job.id, { priority: 80, payload: { v: 2 } });
    assert.equal(updated.priority, 80);
    assert.deepEqual(updated.payload, { v: 2 });
    assert.equal(updated.schedule, "*/5 * * * *"); // left out: kept
    const paused = await sdk.jobs.pause(job.id);
    assert.equal(paused.status, "PAUSED");
    await assert.rejects(sdk.jobs.trigger(job.id), (e: unknown) => {
      assert.ok(e instanceof JobSchedulerError);
      assert.equal(e.status, 409);
      assert.equal(e.code, "conflict");
      return true;
    });
    const resumed = await sdk.jobs.resume(job.id);
    assert.equal(resumed.status, "SCHEDULED");
  });

  it("triggers a run with a payload override and waits for it to succeed", async () => {
    const job = await sdk.jobs.create({ name: unique("echo"), handler: "test.echo", payload: { from: "job" } });
    made.push(job.id);
    const run = await sdk.jobs.trigger(job.id, { payload: { from: "trigger", n: 7 }, priority: 90 });
    assert.equal(run.job_id, job.id);
    assert.equal(run.source, "trigger");
    const finished = await sdk.waitForRun(run.id, { timeoutMs: RUN_TIMEOUT_MS, intervalMs: 200 });
    assert.equal(finished.status, "SUCCEEDED");
    assert.deepEqual(finished.result, { from: "trigger", n: 7 }); // test.echo answers its payload
    assert.equal(finished.priority, 90);
    assert.equal(finished.attempts[0]?.outcome, "SUCCEEDED");

    const page = await sdk.jobs.executions(job.id);
    assert.deepEqual(
      page.items.map((e) => e.id),
      [run.id],
    );
    const listed: string[] = [];
    for await (const execution of sdk.executions.iterate({ job_id: job.id, limit: 1 })) {
      listed.push(execution.id);
    }
    assert.deepEqual(listed, [run.id]);
    assert.equal((await sdk.executions.get(run.id)).status, "SUCCEEDED");
  });

  it("triggers a run for later with run_at, then cancels it", async () => {
    const job = await sdk.jobs.create({ name: unique("later"), handler: "test.echo" });
    made.push(job.id);
    const runAt = new Date(Date.now() + 3_600_000);
    runAt.setUTCMilliseconds(0);
    const run = await sdk.jobs.trigger(job.id, { run_at: runAt.toISOString() });
    assert.equal(run.status, "QUEUED");
    assert.ok(run.scheduled_for !== null);
    assert.equal(new Date(run.scheduled_for).getTime(), runAt.getTime());
    const cancelled = await sdk.executions.cancel(run.id);
    assert.equal(cancelled.status, "CANCELLED");
    const finished = await sdk.waitForRun(run.id, { timeoutMs: RUN_TIMEOUT_MS });
    assert.equal(finished.status, "CANCELLED");
  });

  it("triggers several runs in one request, each with its own payload, once per idempotency key", async () => {
    const job = await sdk.jobs.create({ name: unique("batch"), handler: "test.echo" });
    made.push(job.id);
    const idempotencyKey = unique("import");
    const runs = await sdk.jobs.triggerMany(job.id, [{ payload: { n: 1 } }, { payload: { n: 2 } }], {
      idempotencyKey,
    });
    assert.equal(runs.length, 2);
    // The same request again (a client's retry) answers the same runs and makes none.
    const repeated = await sdk.jobs.triggerMany(job.id, [{ payload: { n: 1 } }, { payload: { n: 2 } }], {
      idempotencyKey,
    });
    assert.deepEqual(
      repeated.map((r) => r.id),
      runs.map((r) => r.id),
    );
    const results = await Promise.all(runs.map((r) => sdk.waitForRun(r.id, { timeoutMs: RUN_TIMEOUT_MS })));
    assert.deepEqual(
      results.map((r) => r.result),
      [{ n: 1 }, { n: 2 }],
    );
  });

  it("deletes a job: reading it again is a 404", async () => {
    const job = await sdk.jobs.create({ name: unique("gone"), handler: "test.echo" });
    await sdk.jobs.delete(job.id);
    await assert.rejects(sdk.jobs.get(job.id), (e: unknown) => e instanceof JobSchedulerError && e.code === "not_found");
  });
});
