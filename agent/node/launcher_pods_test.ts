import assert from "node:assert/strict";
import { CREATED_BY_LABEL, type Pod, type VMI } from "../../api/mod.ts";
import { FakeClock } from "../../lib/clock.ts";
import { pods, virtualMachineInstances } from "../../lib/kube/resources.ts";
import { FakeApi } from "../../lib/testing/fake_api.ts";
import { runControllers } from "../test_harness.ts";
import { launcherPodController } from "./launcher_pods.ts";

const pod = (node: string, deleting = false): Pod => ({
  metadata: {
    namespace: "ns",
    name: `virt-launcher-web-${node}`,
    labels: { [CREATED_BY_LABEL]: "vmi-uid" },
    ...(deleting ? { deletionTimestamp: "2026-01-01T00:00:00Z" } : {}),
  },
  spec: { nodeName: node, containers: [{ name: "compute", image: "holder:1" }] },
});

Deno.test("launcherPodController() reports its node's pods as its VMIs go, and completes their deletion", async () => {
  const api = new FakeApi();
  const vmi = api.put<VMI>(virtualMachineInstances, {
    metadata: { namespace: "ns", name: "web", uid: "vmi-uid" },
    spec: { domain: { devices: {} } },
    status: { phase: "Running", nodeName: "n1" },
  } as VMI);
  api.put(pods, pod("n1"));
  api.put(pods, pod("n2")); // Another node's: never written.
  const h = runControllers(api, new FakeClock(), [launcherPodController("n1", "10.0.0.1")]);
  const phaseOf = (node: string) =>
    api.find<Pod>("pods", `ns/virt-launcher-web-${node}`)?.status?.phase;
  try {
    await h.until("Running", () => phaseOf("n1") === "Running");
    const reported = api.find<Pod>("pods", "ns/virt-launcher-web-n1")!;
    assert.equal(reported.status?.hostIP, "10.0.0.1");
    assert.equal(reported.status?.conditions?.find((c) => c.type === "Ready")?.status, "True");

    api.put(virtualMachineInstances, { ...vmi, status: { ...vmi.status, phase: "Succeeded" } });
    await h.until("Succeeded", () => phaseOf("n1") === "Succeeded");

    // A terminating pod whose VMI is gone: the deletion a kubelet would confirm.
    await api.delete(virtualMachineInstances, { namespace: "ns", name: "web" });
    api.put(pods, { ...api.find<Pod>("pods", "ns/virt-launcher-web-n1")!, ...pod("n1", true) });
    await h.until("the pod deleted", () => !api.find("pods", "ns/virt-launcher-web-n1"));
    assert.equal(phaseOf("n2"), undefined);
    assert.ok(api.writes.every((w) => !w.key.endsWith("-n2")));
  } finally {
    await h.stop();
  }
});
