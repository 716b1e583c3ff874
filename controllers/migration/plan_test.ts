import assert from "node:assert/strict";
import { NOW, podFixture } from "../vmi/testdata/fixtures.ts";
import { planMigration } from "./plan.ts";
import {
  inPhase,
  LAUNCHER,
  MIG_UID,
  observed,
  record,
  runningVmi,
  vmim,
} from "./testdata/fixtures.ts";

Deno.test("planMigration() labels a new migration, holds it with the finalizer and makes its target pod", () => {
  const plan = planMigration(
    observed({ vmim: vmim((m) => m.metadata = { ...m.metadata, labels: {}, finalizers: [] }) }),
    LAUNCHER,
    NOW,
  );
  assert.deepEqual(plan.labels, { "kubevirt.io/vmi-name": "web" });
  assert.deepEqual(plan.finalizers, ["kubevirt.io/migrationJobFinalize"]);
  assert.equal(plan.status.phase, "Pending");
  assert.deepEqual(plan.status.phaseTransitionTimestamps, [
    { phase: "Pending", phaseTransitionTimestamp: "2026-01-01T00:01:00Z" },
  ]);
  assert.equal(plan.createPod?.metadata?.labels?.["kubevirt.io/migrationJobUID"], MIG_UID);
  assert.deepEqual(plan.status.migrationState, {
    sourceNode: "node-a",
    sourcePod: podFixture().metadata!.name,
  });
});

Deno.test("planMigration() lets an ended migration go and keeps the VMI's record of it", () => {
  const state = { ...record, completed: true };
  const plan = planMigration(
    observed({ vmim: inPhase("Succeeded"), vmi: runningVmi(state) }),
    LAUNCHER,
    NOW,
  );
  assert.deepEqual(plan.finalizers, []);
  assert.deepEqual(plan.status.migrationState, state);
  assert.equal(plan.status.phaseTransitionTimestamps, undefined);
});
