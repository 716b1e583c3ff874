import assert from "node:assert/strict";
import { CREATED_BY_LABEL, type Pod, type VMI } from "../../api/mod.ts";
import { FakeClock } from "../../lib/clock.ts";
import { pods, virtualMachineInstances } from "../../lib/kube/resources.ts";
import { FakeApi } from "../../lib/testing/fake_api.ts";
import { runControllers } from "../test_harness.ts";
import type { SandboxRecord } from "../network/sandboxes.ts";
import { guestRunning, launcherPodController, type SandboxManager } from "./launcher_pods.ts";

/** Sandboxes in memory: pod uid -> record, with what was released. */
function fakeSandboxes(seed: SandboxRecord[] = []) {
  const records = new Map(seed.map((r) => [r.podUid, r]));
  const released: string[] = [];
  const sandboxes: SandboxManager = {
    ensure: (p) => {
      const uid = p.metadata!.uid!;
      const record = records.get(uid) ?? {
        podUid: uid,
        namespace: p.metadata!.namespace!,
        name: p.metadata!.name!,
        netns: `dv-${uid}`,
        ips: [`10.244.0.${records.size + 5}`],
      };
      records.set(uid, record);
      return Promise.resolve(record);
    },
    get: (uid) => Promise.resolve(records.get(uid)),
    release: (uid) => {
      records.delete(uid);
      released.push(uid);
      return Promise.resolve();
    },
    recorded: () => Promise.resolve([...records.values()]),
    recordedSync: () => [...records.values()],
  };
  return { sandboxes, records, released };
}

const pod = (node: string, deleting = false): Pod => ({
  metadata: {
    namespace: "ns",
    name: `virt-launcher-web-${node}`,
    uid: `pod-${node}`,
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
  const fake = fakeSandboxes([
    // Left by an earlier run of the agent: its pod is gone.
    {
      podUid: "gone",
      namespace: "ns",
      name: "virt-launcher-old",
      netns: "dv-gone",
      ips: ["10.244.0.2"],
    },
  ]);
  const h = runControllers(api, new FakeClock(), [
    launcherPodController({ node: "n1", hostIP: "10.0.0.1", sandboxes: fake.sandboxes }),
  ]);
  const phaseOf = (node: string) =>
    api.find<Pod>("pods", `ns/virt-launcher-web-${node}`)?.status?.phase;
  try {
    await h.until("Running", () => phaseOf("n1") === "Running");
    const reported = api.find<Pod>("pods", "ns/virt-launcher-web-n1")!;
    assert.equal(reported.status?.hostIP, "10.0.0.1");
    assert.equal(reported.status?.conditions?.find((c) => c.type === "Ready")?.status, "True");
    assert.equal(reported.status?.podIP, fake.records.get("pod-n1")?.ips[0]);
    await h.until("the orphan released", () => fake.released.includes("gone"));
    assert.ok(!fake.records.has("pod-n2"), "another node's pod gets no sandbox here");

    api.put(virtualMachineInstances, { ...vmi, status: { ...vmi.status, phase: "Succeeded" } });
    await h.until("Succeeded", () => phaseOf("n1") === "Succeeded");
    await h.until("its sandbox released", () => fake.released.includes("pod-n1"));
    const ended = api.find<Pod>("pods", "ns/virt-launcher-web-n1")!;
    assert.ok(ended.status?.podIP, "an ended pod keeps its IP");

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

Deno.test("launcherPodController() reports Ready only while the guest runs", async () => {
  const api = new FakeApi();
  const vmi = api.put<VMI>(virtualMachineInstances, {
    metadata: { namespace: "ns", name: "web", uid: "vmi-uid" },
    spec: { domain: { devices: {} } },
    status: { phase: "Scheduled", nodeName: "n1" },
  } as VMI);
  api.put(pods, pod("n1"));
  const fake = fakeSandboxes();
  const h = runControllers(api, new FakeClock(), [
    launcherPodController({ node: "n1", hostIP: "10.0.0.1", sandboxes: fake.sandboxes }),
  ]);
  const readyOf = () =>
    api.find<Pod>("pods", "ns/virt-launcher-web-n1")?.status?.conditions?.find((c) =>
      c.type === "Ready"
    )?.status;
  try {
    await h.until("Running, not ready", () => readyOf() === "False");
    api.put(virtualMachineInstances, { ...vmi, status: { ...vmi.status, phase: "Running" } });
    await h.until("ready", () => readyOf() === "True");
    api.put(virtualMachineInstances, {
      ...vmi,
      status: {
        ...vmi.status,
        phase: "Running",
        conditions: [{ type: "Paused", status: "True", reason: "PausedByUser" }],
      },
    });
    await h.until("not ready while paused", () => readyOf() === "False");
  } finally {
    await h.stop();
  }
});

Deno.test("launcherPodController() tells of a new sandbox's VMI before the pod's status says so, once", async () => {
  const api = new FakeApi();
  api.put<VMI>(virtualMachineInstances, {
    metadata: { namespace: "ns", name: "web", uid: "vmi-uid" },
    spec: { domain: { devices: {} } },
    status: { phase: "Scheduled", nodeName: "n1" },
  } as VMI);
  api.put(pods, pod("n1"));
  const fake = fakeSandboxes();
  let passes = 0;
  const ensure = fake.sandboxes.ensure;
  fake.sandboxes.ensure = (p) => (passes++, ensure(p));
  const told: string[] = [];
  const h = runControllers(api, new FakeClock(), [
    launcherPodController({
      node: "n1",
      hostIP: "10.0.0.1",
      sandboxes: fake.sandboxes,
      sandboxReady: (vmi) => told.push(`${vmi.metadata.namespace}/${vmi.metadata.name}`),
    }),
  ]);
  const current = () => api.find<Pod>("pods", "ns/virt-launcher-web-n1")!;
  try {
    await h.until("the pod IP reported", () => !!current().status?.podIP);
    assert.deepEqual(told, ["ns/web"]);
    // A later pass finds the IP reported: nobody is told again.
    const seen = passes;
    api.put(pods, { ...current(), metadata: { ...current().metadata, annotations: { a: "b" } } });
    await h.until("another pass", () => passes > seen);
    assert.deepEqual(told, ["ns/web"]);
  } finally {
    await h.stop();
  }
});

Deno.test("guestRunning() is false on the node a completed migration left, true on the others", () => {
  const vmi = (migrationState?: Record<string, unknown>) =>
    ({
      metadata: { name: "vm" },
      spec: { domain: { devices: {} } },
      status: { phase: "Running", nodeName: "n1", ...(migrationState ? { migrationState } : {}) },
    }) as unknown as VMI;
  const record = { migrationUid: "m", sourceNode: "n1", targetNode: "n2" };
  assert.equal(guestRunning(vmi(), "n1"), true);
  assert.equal(guestRunning(vmi(record), "n1"), true, "in flight: the guest still runs here");
  assert.equal(guestRunning(vmi({ ...record, completed: true }), "n1"), false, "it left");
  assert.equal(guestRunning(vmi({ ...record, completed: true }), "n2"), true, "it came here");
  assert.equal(guestRunning(vmi({ ...record, failed: true }), "n1"), true, "it stayed");
  assert.equal(guestRunning(undefined, "n1"), false);
});
