import assert from "node:assert/strict";
import type { Pod, VMI } from "../../api/mod.ts";
import { outcomeOf } from "../node/launcher_pods.ts";
import { launcherPodStatus, podStatusChanged } from "./pod_status.ts";

const pod: Pod = {
  metadata: { name: "virt-launcher-web-x", namespace: "ns", uid: "p1" },
  spec: { nodeName: "n1", containers: [{ name: "compute", image: "holder:1" }] },
  status: {
    phase: "Pending",
    conditions: [{ type: "PodScheduled", status: "True", lastTransitionTime: "T0" }],
  },
};

Deno.test("launcherPodStatus() reports a bound launcher pod Running and Ready", () => {
  const status = launcherPodStatus(pod, "Running", "127.0.0.1", "T1");
  assert.equal(status.phase, "Running");
  assert.equal(status.hostIP, "127.0.0.1");
  const byType = Object.fromEntries(status.conditions!.map((c) => [c.type, c]));
  assert.equal(byType.Ready?.status, "True");
  assert.equal(byType.PodScheduled?.lastTransitionTime, "T0");
  assert.deepEqual(status.containerStatuses?.[0]?.state, { running: { startedAt: "T1" } });
  assert.ok(podStatusChanged(pod, status));
  assert.equal(
    podStatusChanged(
      { ...pod, status },
      launcherPodStatus({ ...pod, status }, "Running", "127.0.0.1", "T2"),
    ),
    false,
  );
});

Deno.test("launcherPodStatus() reports a pod whose VMI failed as Failed with exit code 1", () => {
  const running = { ...pod, status: launcherPodStatus(pod, "Running", "127.0.0.1", "T1") };
  const status = launcherPodStatus(running, "Failed", "127.0.0.1", "T2");
  assert.equal(status.phase, "Failed");
  assert.equal(status.conditions?.find((c) => c.type === "Ready")?.status, "False");
  assert.deepEqual(status.containerStatuses?.[0]?.state.terminated, {
    exitCode: 1,
    reason: "Error",
    startedAt: "T1",
    finishedAt: "T2",
  });
});

Deno.test("outcomeOf() waits while a deleted pod's VMI still runs, and ends it once the VMI is gone", () => {
  const vmi = {
    metadata: {},
    spec: { domain: { devices: {} } },
    status: { phase: "Running" },
  } as unknown as VMI;
  const deleting: Pod = { ...pod, metadata: { ...pod.metadata, deletionTimestamp: "T3" } };
  assert.equal(outcomeOf(pod, vmi), "Running");
  assert.equal(outcomeOf(pod, undefined), "Running");
  assert.equal(outcomeOf(deleting, vmi), undefined);
  assert.equal(outcomeOf(deleting, undefined), "Succeeded");
  assert.equal(outcomeOf(pod, { ...vmi, status: { phase: "Failed" } }), "Failed");
});
