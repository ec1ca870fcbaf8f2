// A run out of retries lands in the dead-letter queue; redrive runs it again.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { connectToStack, RUN_TIMEOUT_MS, unique } from "./stack.js";

const sdk = connectToStack();
const made: string[] = [];

after(async () => {
  for (const id of made) {
    await sdk.jobs.delete(id).catch(() => undefined);
  }
});

describe("the dead-letter queue", () => {
  it("holds a run that failed with no retries left, and redrives it", async () => {
    const job = await sdk.jobs.create({
      name: unique("flaky"),
      handler: "test.delay",
      max_retries: 0,
      payload: { durationMs: 10, shouldFail: true, failMessage: "upstream down" },
    });
    made.push(job.id);
    const run = await sdk.jobs.trigger(job.id);
    const failed = await sdk.waitForRun(run.id, { timeoutMs: RUN_TIMEOUT_MS });
    assert.equal(failed.status, "FAILED");
    assert.equal(failed.error, "upstream down");
    assert.deepEqual(
      failed.attempts.map((a) => a.outcome),
      ["FAILED"],
    );

    let entryId: string | undefined;
    for await (const entry of sdk.dlq.iterate({ limit: 50 })) {
      if (entry.execution_id === run.id) {
        assert.equal(entry.error, "upstream down");
        assert.equal(entry.job_id, job.id);
        entryId = entry.id;
        break;
      }
    }
    assert.ok(entryId !== undefined, "the failed run is in the dead-letter queue");
    assert.equal((await sdk.dlq.get(entryId)).execution_id, run.id);

    const redriven = await sdk.dlq.redrive(entryId);
    assert.equal(redriven.id, run.id); // the same execution runs again
    const again = await sdk.waitForRun(run.id, { timeoutMs: RUN_TIMEOUT_MS });
    assert.equal(again.status, "FAILED"); // its payload still says fail
    assert.equal(again.attempts.length, 2);
  });
});
