// Flow control: a job whose runs share a concurrency key runs one at a time; GET /flow
// shows the key with its running and waiting runs.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import type { FlowItem } from "../../src/index.js";
import { connectToStack, RUN_TIMEOUT_MS, unique } from "./stack.js";

const sdk = connectToStack();
const made: string[] = [];

after(async () => {
  for (const id of made) {
    await sdk.jobs.delete(id).catch(() => undefined);
  }
});

async function flowOf(jobId: string, key: string, want: (item: FlowItem) => boolean): Promise<FlowItem> {
  const deadline = Date.now() + RUN_TIMEOUT_MS;
  for (;;) {
    const item = (await sdk.flow.get(jobId)).items.find((i) => i.key === key);
    if (item !== undefined && want(item)) {
      return item;
    }
    assert.ok(Date.now() < deadline, `flow of ${key}: ${JSON.stringify(item)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe("flow control", () => {
  it("holds a key's second run while its first runs, and shows both in GET /flow", async () => {
    const key = unique("warehouse-api");
    const job = await sdk.jobs.create({
      name: unique("per-tenant"),
      handler: "test.delay",
      payload: { durationMs: 60_000 },
      timeout_ms: 120_000,
      concurrency: { key, limit: 1 },
    });
    made.push(job.id);
    const runs = await sdk.jobs.triggerMany(job.id, [{}, {}]);
    assert.deepEqual(
      runs.map((r) => r.concurrency_key),
      [key, key],
    );
    const item = await flowOf(job.id, key, (i) => i.running === 1);
    assert.equal(item.waiting, 1);
    assert.equal(item.limited_by, "concurrency");
    for (const run of runs) {
      await sdk.executions.cancel(run.id);
    }
    const ended = await Promise.all(runs.map((r) => sdk.waitForRun(r.id, { timeoutMs: RUN_TIMEOUT_MS })));
    assert.deepEqual(
      ended.map((r) => r.status),
      ["CANCELLED", "CANCELLED"],
    );
  });
});
