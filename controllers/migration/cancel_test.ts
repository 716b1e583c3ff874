import assert from "node:assert/strict";
import { NOW } from "../vmi/testdata/fixtures.ts";
import { planMigration } from "./plan.ts";
import {
  LAUNCHER,
  observed,
  record,
  runningVmi,
  sourcePod,
  targetPod,
  vmim,
} from "./testdata/fixtures.ts";

Deno.test("planMigration() cancels a migration deleted before the hand-off at once", () => {
  const target = targetPod();
  const deleted = vmim((m) => {
    m.metadata.deletionTimestamp = "2026-01-01T00:00:30Z";
    m.status = { phase: "Scheduling" };
  });
  const plan = planMigration(
    observed({ vmim: deleted, pods: [sourcePod(), target] }),
    LAUNCHER,
    NOW,
  );
  assert.equal(plan.status.phase, "Failed");
  assert.equal(plan.status.conditions?.[0]?.type, "migrationAbortRequested");
  assert.equal(plan.status.conditions?.[0]?.status, "True");
  assert.deepEqual(plan.deletePods, [target]);
  assert.equal(plan.finalizers, undefined, "removed once Failed is written");
});

Deno.test("planMigration() asks the source agent to abort a migration deleted after the hand-off", () => {
  const deleted = vmim((m) => {
    m.metadata.deletionTimestamp = "2026-01-01T00:00:30Z";
    m.status = { phase: "Running" };
  });
  const state = { ...record, targetNodeAddress: "a", startTimestamp: "t" };
  const pods = [sourcePod(), targetPod("node-b")];
  const plan = planMigration(
    observed({ vmim: deleted, vmi: runningVmi(state), pods }),
    LAUNCHER,
    NOW,
  );
  assert.equal(plan.status.phase, "Running");
  assert.deepEqual(plan.vmiMigrationState, { abortRequested: true });
  assert.equal(plan.status.conditions?.[0]?.type, "migrationAbortRequested");
  assert.deepEqual(plan.deletePods, []);
  const asked = planMigration(
    observed({ vmim: deleted, vmi: runningVmi({ ...state, abortRequested: true }), pods }),
    LAUNCHER,
    NOW,
  );
  assert.equal(asked.vmiMigrationState, undefined, "asked once");
});
