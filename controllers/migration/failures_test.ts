import assert from "node:assert/strict";
import type { MigrationObserved } from "./plan.ts";
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
} from "./testdata/fixtures.ts";

Deno.test("planMigration() fails the migration and deletes its target pod on each failure", () => {
  const bound = targetPod("node-b");
  const cases: Array<[string, Partial<MigrationObserved>, RegExp]> = [
    ["VMI gone", { vmi: undefined }, /vmi does not exist/],
    ["VMI ended", { vmi: vmiFixture("Succeeded") }, /vmi shutdown/],
    ["source failed", { vmi: runningVmi({ ...record, failed: true }) }, /source node reported/],
    [
      "aborted",
      { vmi: runningVmi({ ...record, abortStatus: "Succeeded" }) },
      /source node reported/,
    ],
    [
      "target pod failed",
      { pods: [sourcePod(), targetPod("node-b", (p) => p.status!.phase = "Failed")] },
      /target pod shutdown/,
    ],
    ["record replaced", { vmi: runningVmi({ ...record, migrationUid: "other" }) }, /taken over/],
  ];
  for (const [what, over, message] of cases) {
    const plan = planMigration(
      observed({
        vmim: inPhase("PreparingTarget"),
        vmi: runningVmi(record),
        pods: [sourcePod(), bound],
        ...over,
      }),
      LAUNCHER,
      NOW,
    );
    assert.equal(plan.status.phase, "Failed", what);
    assert.match(plan.events[0]!.message, message, what);
    const target = (over.pods ?? [sourcePod(), bound])[1]!;
    const down = target.status?.phase === "Failed";
    assert.deepEqual(plan.deletePods, down ? [] : [target], what);
  }
});

Deno.test("planMigration() fails a running migration whose target pod disappeared", () => {
  const plan = planMigration(
    observed({ vmim: inPhase("Running"), vmi: runningVmi({ ...record, startTimestamp: "t" }) }),
    LAUNCHER,
    NOW,
  );
  assert.equal(plan.status.phase, "Failed");
  assert.match(plan.events[0]!.message, /target pod was removed/);
});
