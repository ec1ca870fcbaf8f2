// A two-step workflow: the second step runs after the first, on its result.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { connectToStack, RUN_TIMEOUT_MS, unique } from "./stack.js";

const sdk = connectToStack();
const made: string[] = [];

after(async () => {
  for (const id of made) {
    await sdk.workflows.delete(id).catch(() => undefined);
  }
});

describe("workflows", () => {
  it("runs two steps in order, the second on the first's result and the run's input", async () => {
    const workflow = await sdk.workflows.create({
      name: unique("etl"),
      steps: [
        { id: "extract", handler: "test.echo", payload: { rows: { $ref: "input.rows" } } },
        {
          id: "load",
          handler: "test.echo",
          after: ["extract"],
          payload: { loaded: { $ref: "steps.extract.result.rows" } },
        },
      ],
    });
    made.push(workflow.id);
    const run = await sdk.workflows.trigger(workflow.id, { input: { rows: 42 } });
    assert.equal(run.workflow_id, workflow.id);
    const finished = await sdk.workflows.waitForRun(run.id, { timeoutMs: RUN_TIMEOUT_MS });
    assert.equal(finished.status, "SUCCEEDED");
    const steps = new Map(finished.steps.map((s) => [s.id, s]));
    assert.deepEqual([...steps.keys()].sort(), ["extract", "load"]);
    const load = steps.get("load");
    assert.ok(load !== undefined);
    assert.equal(load.status, "SUCCEEDED");
    const [loadRunId] = load.execution_ids;
    assert.ok(loadRunId !== undefined);
    const loadRun = await sdk.executions.get(loadRunId);
    assert.deepEqual(loadRun.result, { loaded: 42 });
    assert.equal(loadRun.workflow_run_id, run.id);
    assert.equal(loadRun.step_id, "load");
    const extract = steps.get("extract");
    assert.ok(extract?.finished_at && load.started_at);
    assert.ok(new Date(load.started_at) >= new Date(extract.finished_at)); // after its upstream
    assert.equal((await sdk.workflows.getRun(run.id)).status, "SUCCEEDED");
  });
});
