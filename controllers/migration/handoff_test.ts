import assert from "node:assert/strict";
import type { VMI, VMIM } from "../../api/mod.ts";
import { NOW } from "../vmi/testdata/fixtures.ts";
import { planMigration } from "./plan.ts";
import {
  inPhase,
  LAUNCHER,
  observed,
  record,
  runningVmi,
  sourcePod,
  targetPod,
} from "./testdata/fixtures.ts";

Deno.test("planMigration() hands a bound target pod to the agents with a fresh record on the VMI", () => {
  const old = { migrationUid: "old", completed: true, targetNodeAddress: "10.0.0.1" };
  const plan = planMigration(
    observed({
      vmim: inPhase("Scheduling"),
      vmi: runningVmi(old),
      pods: [sourcePod(), targetPod("node-b")],
    }),
    LAUNCHER,
    NOW,
  );
  assert.equal(plan.status.phase, "Scheduled", "PreparingTarget once the VMI shows the record");
  assert.deepEqual(plan.vmiMigrationState, {
    completed: null,
    targetNodeAddress: null,
    ...record,
  });
});

Deno.test("planMigration() labels the VMI with its target node while the migration is in flight", () => {
  const label = "kubevirt.io/migrationTargetNodeName";
  const labelled = (v: VMI) => v.metadata.labels = { ...v.metadata.labels, [label]: "node-b" };
  const pods = [sourcePod(), targetPod("node-b")];
  const cases: Array<[string, VMIM, VMI, Record<string, string | null> | undefined]> = [
    ["handed over", inPhase("Scheduling"), runningVmi(), { [label]: "node-b" }],
    ["record without label", inPhase("PreparingTarget"), runningVmi(record), { [label]: "node-b" }],
    ["already labelled", inPhase("PreparingTarget"), runningVmi(record, labelled), undefined],
    ["not handed over yet", inPhase("Pending"), runningVmi(), undefined],
    ["over", inPhase("Failed"), runningVmi({ ...record, failed: true }, labelled), {
      [label]: null,
    }],
    ["over, no label", inPhase("Succeeded"), runningVmi({ ...record, completed: true }), undefined],
  ];
  for (const [name, vmim, vmi, labels] of cases) {
    // Before the target pod is bound there is no record, so no label.
    const present = name === "not handed over yet" ? [sourcePod()] : pods;
    const plan = planMigration(observed({ vmim, vmi, pods: present }), LAUNCHER, NOW);
    assert.deepEqual(plan.vmiLabels, labels, name);
  }
});
