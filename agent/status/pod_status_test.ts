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

const UP = { guestRunning: true, podIPs: ["10.244.0.5"] };

Deno.test("launcherPodStatus() reports a bound launcher pod Running and Ready with its pod IP", () => {
  const status = launcherPodStatus(pod, "Running", "127.0.0.1", "T1", UP);
  assert.equal(status.podIP, "10.244.0.5");
  assert.deepEqual(status.podIPs, [{ ip: "10.244.0.5" }]);
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
      launcherPodStatus({ ...pod, status }, "Running", "127.0.0.1", "T2", UP),
    ),
    false,
  );
});

Deno.test("launcherPodStatus() is Ready only while the guest runs, and reports IP changes", () => {
  const starting = launcherPodStatus(pod, "Running", "127.0.0.1", "T1", {
    guestRunning: false,
    podIPs: [],
  });
  const ready = starting.conditions!.find((c) => c.type === "Ready");
  assert.equal(ready?.status, "False");
  assert.equal(ready?.reason, "ContainersNotReady");
  assert.equal(starting.containerStatuses?.[0]?.ready, false);
  assert.equal(starting.podIP, undefined);
  const withIp = launcherPodStatus({ ...pod, status: starting }, "Running", "127.0.0.1", "T2", {
    guestRunning: false,
    podIPs: ["10.244.0.5"],
  });
  assert.ok(podStatusChanged({ ...pod, status: starting }, withIp));
});

Deno.test("launcherPodStatus() reports a pod whose VMI failed as Failed with exit code 1", () => {
  const running = { ...pod, status: launcherPodStatus(pod, "Running", "127.0.0.1", "T1", UP) };
  const status = launcherPodStatus(running, "Failed", "127.0.0.1", "T2", {
    guestRunning: false,
    podIPs: [],
  });
  assert.equal(status.podIP, "10.244.0.5", "an ended pod keeps its IP");
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

Deno.test("launcherPodStatus() reports the guest-console-log sidecar as a kubelet reports a sidecar", () => {
  const withSidecar: Pod = {
    ...pod,
    spec: {
      ...pod.spec!,
      initContainers: [{ name: "guest-console-log", image: "holder:1", restartPolicy: "Always" }],
    },
  };
  const running = launcherPodStatus(withSidecar, "Running", "127.0.0.1", "T1", UP);
  assert.deepEqual(
    running.initContainerStatuses?.map((c) => [c.name, c.started, Object.keys(c.state)]),
    [["guest-console-log", true, ["running"]]],
  );
  const ended = launcherPodStatus(
    { ...withSidecar, status: running },
    "Succeeded",
    "127.0.0.1",
    "T2",
    UP,
  );
  assert.deepEqual(
    ended.initContainerStatuses?.map((c) => c.state.terminated?.reason),
    ["Completed"],
  );
  assert.equal(
    launcherPodStatus(pod, "Running", "127.0.0.1", "T1", UP).initContainerStatuses,
    undefined,
  );
});
