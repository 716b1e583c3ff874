import assert from "node:assert/strict";
import { memoryReserveKiB, nodeResources, readHostInfo } from "./host.ts";
import { microTime, newNode, nodeStatus, parseTaint } from "./node_object.ts";

const host = {
  cpus: 2,
  memoryKiB: 24 * 1024 * 1024,
  kernelVersion: "6.1.0",
  osImage: "Debian GNU/Linux 12 (bookworm)",
  machineID: "abc",
  bootID: "def",
};
const facts = { name: "edge-1", host, address: "127.0.0.1", port: 10250, taints: [] };

Deno.test("memoryReserveKiB() keeps 5 % back, at least 256 MiB and at most 2 GiB", () => {
  assert.equal(memoryReserveKiB(1024 * 1024), 256 * 1024);
  assert.equal(memoryReserveKiB(24 * 1024 * 1024), Math.round(24 * 1024 * 1024 * 0.05));
  assert.equal(memoryReserveKiB(256 * 1024 * 1024), 2 * 1024 * 1024);
});

Deno.test("nodeResources() reports the host's CPUs, memory less the reserve, and 110 pods", () => {
  const { capacity, allocatable } = nodeResources(4, 8 * 1024 * 1024);
  assert.deepEqual(capacity, { cpu: "4", memory: "8388608Ki", pods: "110" });
  assert.deepEqual(allocatable, { cpu: "4", memory: `${8388608 - 419430}Ki`, pods: "110" });
});

Deno.test("nodeResources() reports ephemeral-storage less kubelet's 10 % eviction reserve", () => {
  const { capacity, allocatable } = nodeResources(4, 8 * 1024 * 1024, 100 * 1024 ** 3);
  assert.equal(capacity["ephemeral-storage"], String(100 * 1024 ** 3));
  assert.equal(allocatable["ephemeral-storage"], String(Math.floor(100 * 1024 ** 3 * 0.9)));
  const node = newNode({ ...facts, host: { ...facts.host, ephemeralStorageBytes: 2048 } }, "T0");
  assert.equal(node.status?.capacity?.["ephemeral-storage"], "2048");
  assert.equal(node.status?.allocatable?.["ephemeral-storage"], "1843");
});

Deno.test("readHostInfo() measures the data directory's filesystem for ephemeral-storage", async () => {
  const host = await readHostInfo(Deno.cwd());
  assert.ok((host.ephemeralStorageBytes ?? 0) > 0);
  assert.equal((await readHostInfo()).ephemeralStorageBytes, undefined);
});

Deno.test("newNode() labels the node as kubelet and KubeVirt would, and is Ready", () => {
  const node = newNode({ ...facts, taints: [parseTaint("dedicated=vms:NoSchedule")] }, "T0");
  assert.equal(node.metadata?.labels?.["kubernetes.io/hostname"], "edge-1");
  assert.equal(node.metadata?.labels?.["kubevirt.io/schedulable"], "true");
  // The cluster install's pods keep off it: nothing there runs a container.
  assert.equal(node.metadata?.labels?.["denovirt.io/kubelet-less"], "true");
  assert.equal(
    node.metadata?.annotations?.["denovirt.io/agent-endpoint"],
    "https://127.0.0.1:10250",
  );
  assert.deepEqual(node.spec?.taints, [{ key: "dedicated", value: "vms", effect: "NoSchedule" }]);
  const ready = node.status?.conditions?.find((c) => c.type === "Ready");
  assert.equal(ready?.status, "True");
  assert.equal(ready?.lastHeartbeatTime, "T0");
  assert.deepEqual(node.status?.addresses?.[0], { type: "InternalIP", address: "127.0.0.1" });
});

Deno.test("nodeStatus() moves the heartbeat but keeps the transition time of a held condition", () => {
  const first = nodeStatus(facts, undefined, "T0");
  const next = nodeStatus(facts, first.conditions, "T1");
  const ready = next.conditions?.find((c) => c.type === "Ready");
  assert.equal(ready?.lastHeartbeatTime, "T1");
  assert.equal(ready?.lastTransitionTime, "T0");
});

Deno.test("parseTaint() reads kubelet's key[=value]:Effect and refuses anything else", () => {
  assert.deepEqual(parseTaint("a:NoExecute"), { key: "a", effect: "NoExecute" });
  assert.throws(() => parseTaint("a=b"), /Cannot parse taint "a=b"/);
});

Deno.test("microTime() writes a Lease time in microseconds", () => {
  assert.equal(microTime(new Date("2026-01-01T00:00:00.123Z")), "2026-01-01T00:00:00.123000Z");
});
