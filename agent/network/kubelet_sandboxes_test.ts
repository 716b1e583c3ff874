import assert from "node:assert/strict";
import type { Pod } from "../../api/mod.ts";
import { kubeletSandboxLocator, type NetnsReader, reportedIps } from "./kubelet_sandboxes.ts";

const reader = (table: Record<string, string[]>): NetnsReader => ({
  names: () => Promise.resolve(Object.keys(table)),
  addressesOf: (netns) => Promise.resolve(table[netns] ?? []),
});

function pod(status: Pod["status"], hostNetwork = false): Pod {
  return {
    metadata: { name: "virt-launcher-a", namespace: "ns", uid: "u1" },
    spec: { hostNetwork, containers: [] },
    status,
  } as Pod;
}

Deno.test("kubeletSandboxLocator: finds the namespace whose eth0 holds the pod's IPv4, and keeps finding it once the address moved on", async () => {
  const data = await Deno.makeTempDir();
  try {
    const table: Record<string, string[]> = { "cni-a": ["10.244.1.2"], "cni-b": ["10.244.1.3"] };
    const locator = kubeletSandboxLocator(data, reader(table));
    const expected = { netns: "cni-b", ips: ["10.244.1.3"], stateDir: `${data}/network/u1` };
    assert.deepEqual(await locator.locate(pod({ podIP: "10.244.1.3" })), expected);
    table["cni-b"] = []; // bridge binding handed the address to the guest
    assert.deepEqual(await locator.locate(pod({ podIP: "10.244.1.3" })), expected);
    delete table["cni-b"]; // the kubelet removed the namespace
    assert.equal(await locator.locate(pod({ podIP: "10.244.1.3" })), undefined);
  } finally {
    await Deno.remove(data, { recursive: true });
  }
});

Deno.test("kubeletSandboxLocator: nothing before the kubelet reports an IP, nor for host network", async () => {
  const locator = kubeletSandboxLocator("/nonexistent", reader({ "cni-a": ["10.244.1.2"] }));
  assert.equal(await locator.locate(pod({})), undefined);
  assert.equal(await locator.locate(pod({ podIP: "10.244.1.9" })), undefined);
  assert.equal(await locator.locate(pod({ podIP: "10.244.1.2" }, true)), undefined);
});

Deno.test("reportedIps: podIPs with IPv4 first, else podIP", () => {
  assert.deepEqual(reportedIps(pod({ podIPs: [{ ip: "fd00::2" }, { ip: "10.0.0.2" }] })), [
    "10.0.0.2",
    "fd00::2",
  ]);
  assert.deepEqual(reportedIps(pod({ podIP: "10.0.0.3" })), ["10.0.0.3"]);
});
