import assert from "node:assert/strict";
import type { Pod } from "../../api/mod.ts";
import { NOW } from "../vmi/testdata/fixtures.ts";
import { pendingVerdictOf } from "./pending_timeout.ts";
import { planMigration } from "./plan.ts";
import { inPhase, LAUNCHER, observed, sourcePod, targetPod } from "./testdata/fixtures.ts";

Deno.test("planMigration() fails a migration whose target pod stays unschedulable past the timeout", () => {
  const target = targetPod();
  const timeouts = { unschedulableSeconds: 30, pendingSeconds: 900 };
  const plan = planMigration(
    observed({ vmim: inPhase("Scheduling"), pods: [sourcePod(), target], timeouts }),
    LAUNCHER,
    NOW,
  );
  assert.equal(plan.status.phase, "Failed");
  assert.deepEqual(plan.deletePods, [target]);
  assert.match(plan.events[0]!.message, /unschedulable pod prod\/virt-launcher-web-\w+ timeout/);
});

Deno.test("pendingVerdictOf() times an unschedulable pod by the shorter timeout and a pending one by the longer", () => {
  const timeouts = { unschedulableSeconds: 300, pendingSeconds: 900 };
  const created = Date.parse("2026-01-01T00:00:00Z");
  const pending = targetPod(undefined, (p) => p.status!.conditions = []);
  const cases: Array<[string, Pod, number, ReturnType<typeof pendingVerdictOf>]> = [
    ["unschedulable, 1 min", targetPod(), 60, { requeueAfterMs: 240_000 }],
    ["pending, 1 min", pending, 60, { requeueAfterMs: 840_000 }],
    ["pending, 6 min", pending, 360, { requeueAfterMs: 540_000 }],
    ["bound and running", targetPod("node-b"), 3600, undefined],
  ];
  for (const [what, pod, seconds, verdict] of cases) {
    assert.deepEqual(pendingVerdictOf(pod, timeouts, created + seconds * 1000), verdict, what);
  }
  const late = pendingVerdictOf(pending, timeouts, created + 900_000);
  assert.match((late as { failure: string }).failure, /^Migration target pod is pending: /);
  const stuck = pendingVerdictOf(targetPod(), timeouts, created + 300_000);
  assert.match((stuck as { failure: string }).failure, /^Migration target pod is unschedulable: /);
});
