import assert from "node:assert/strict";
import type { MigrationState } from "../../api/mod.ts";
import { NOW, vmiFixture } from "../vmi/testdata/fixtures.ts";
import { planMigration } from "./plan.ts";
import {
  inPhase,
  LAUNCHER,
  observed,
  record,
  runningVmi,
  sourcePod,
  targetPod,
  vmim,
} from "./testdata/fixtures.ts";

Deno.test("planMigration() waits in Pending while the VMI is not running", () => {
  const vmi = vmiFixture("Scheduled", (v) => v.status!.nodeName = "node-a");
  const plan = planMigration(observed({ vmi }), LAUNCHER, NOW);
  assert.equal(plan.status.phase, "Pending");
  assert.equal(plan.createPod, undefined);
});

Deno.test("planMigration() moves to Scheduling once the cache shows the target pod", () => {
  const plan = planMigration(
    observed({ vmim: inPhase("Pending"), pods: [sourcePod(), targetPod()] }),
    LAUNCHER,
    NOW,
  );
  assert.equal(plan.status.phase, "Scheduling");
  assert.equal(plan.createPod, undefined);
  assert.equal(plan.requeueAfterMs, 240_000, "the unschedulable timeout less the minute waited");
});

Deno.test("planMigration() follows the agents' fields through to Succeeded", () => {
  const cases: Array<[string, MigrationState, string]> = [
    ["Scheduled", record, "PreparingTarget"],
    ["PreparingTarget", record, "PreparingTarget"],
    ["PreparingTarget", { ...record, targetNodeAddress: "10.0.0.2" }, "TargetReady"],
    ["TargetReady", { ...record, targetNodeAddress: "a", startTimestamp: "t" }, "Running"],
    ["Scheduled", { ...record, targetNodeAddress: "a", startTimestamp: "t" }, "Running"],
  ];
  for (const [from, state, to] of cases) {
    const plan = planMigration(
      observed({
        vmim: inPhase(from as "Scheduled"),
        vmi: runningVmi(state),
        pods: [sourcePod(), targetPod("node-b")],
      }),
      LAUNCHER,
      NOW,
    );
    assert.equal(plan.status.phase, to, `${from} with ${JSON.stringify(state)}`);
    assert.deepEqual(plan.status.migrationState, state);
    assert.equal(plan.vmiMigrationState, undefined);
  }
});

Deno.test("planMigration() succeeds only after the VMI was switched to the target node", () => {
  const done = { ...record, targetNodeAddress: "a", startTimestamp: "t", completed: true };
  const pods = [sourcePod(), targetPod("node-b")];
  const before = planMigration(
    observed({ vmim: inPhase("Running"), vmi: runningVmi(done), pods }),
    LAUNCHER,
    NOW,
  );
  assert.equal(before.status.phase, "Running");
  assert.deepEqual(before.deletePods, []);
  const switched = runningVmi(done, (v) => v.status!.nodeName = "node-b");
  const after = planMigration(
    observed({ vmim: inPhase("Running"), vmi: switched, pods }),
    LAUNCHER,
    NOW,
  );
  assert.equal(after.status.phase, "Succeeded");
  assert.deepEqual(after.deletePods, [pods[0]], "the source pod goes");
});

Deno.test("planMigration() fails a second migration while another one of the VMI is active", () => {
  const other = vmim((m) => {
    m.metadata.uid = "other";
    m.status = { phase: "Scheduling" };
  });
  const plan = planMigration(observed({ others: [other] }), LAUNCHER, NOW);
  assert.equal(plan.status.phase, "Failed");
  assert.match(plan.events[0]!.message, /another migration job is in progress/);
  assert.equal(plan.createPod, undefined);
});
