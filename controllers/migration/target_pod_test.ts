import assert from "node:assert/strict";
import { podFixture, VMI_UID } from "../vmi/testdata/fixtures.ts";
import { targetPodFor } from "./target_pod.ts";
import { LAUNCHER, MIG_UID, runningVmi, vmim } from "./testdata/fixtures.ts";

Deno.test("targetPodFor() keeps the target off the VMI's node and adds the migration's selector", () => {
  const m = vmim((v) => v.spec.addedNodeSelector = { zone: "b", disk: "hdd" });
  const pod = targetPodFor(runningVmi(), m, LAUNCHER);
  const spec = pod.spec as Record<string, unknown>;
  assert.deepEqual(spec.nodeSelector, {
    zone: "b",
    disk: "ssd",
    "kubevirt.io/schedulable": "true",
  });
  assert.deepEqual(spec.affinity, {
    nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [] },
    podAntiAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: [{
        labelSelector: { matchLabels: { "kubevirt.io/created-by": VMI_UID } },
        topologyKey: "kubernetes.io/hostname",
      }],
    },
  });
  assert.equal(pod.metadata?.labels?.["kubevirt.io/migrationJobUID"], MIG_UID);
  assert.equal(pod.metadata?.annotations?.["kubevirt.io/migrationJobName"], m.metadata.name);
  assert.equal(pod.metadata?.ownerReferences?.[0]?.uid, VMI_UID);
  assert.notEqual(pod.metadata?.name, podFixture().metadata?.name);
  assert.equal(targetPodFor(runningVmi(), m, LAUNCHER).metadata?.name, pod.metadata?.name);
});
