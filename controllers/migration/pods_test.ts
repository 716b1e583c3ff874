import assert from "node:assert/strict";
import type { Pod } from "../../api/mod.ts";
import { boundPod } from "../vmi/testdata/fixtures.ts";
import { sourcePodOf, targetPodOf } from "./pods.ts";
import { MIG_UID, runningVmi, sourcePod, targetPod } from "./testdata/fixtures.ts";

Deno.test("sourcePodOf() picks the VMI's running pod on its node, a former target pod when no other", () => {
  const earlierTarget = boundPod("node-a", (p) => {
    p.metadata!.name = "virt-launcher-web-old";
    p.metadata!.labels = { ...p.metadata!.labels, "kubevirt.io/migrationJobUID": "old" };
  });
  const down = sourcePod();
  down.status!.phase = "Failed";
  const cases: Array<[string, Pod[], Pod | undefined]> = [
    ["source and target", [targetPod("node-b"), sourcePod()], sourcePod()],
    ["only a former target pod", [earlierTarget, targetPod("node-b")], earlierTarget],
    ["plain pod first", [earlierTarget, sourcePod()], sourcePod()],
    ["source pod down", [down], undefined],
    ["none on the node", [targetPod("node-b")], undefined],
  ];
  for (const [what, pods, want] of cases) {
    assert.deepEqual(sourcePodOf(runningVmi(), pods), want, what);
  }
});

Deno.test("targetPodOf() finds the pod labelled with the migration's UID only", () => {
  const target = targetPod();
  assert.equal(targetPodOf([sourcePod(), target], MIG_UID), target);
  assert.equal(targetPodOf([sourcePod(), target], "other"), undefined);
});
