import assert from "node:assert/strict";
import { NODE_LEASE_NAMESPACE, type VMI } from "../../api/mod.ts";
import { FakeClock } from "../../lib/clock.ts";
import { leases, type Resource, virtualMachineInstances } from "../../lib/kube/resources.ts";
import type { ObjectRef } from "../../lib/kube/object.ts";
import type { Lease } from "../../lib/leader_lease.ts";
import { FakeApi } from "../../lib/testing/fake_api.ts";
import type { DomainSummary, Hypervisor } from "../libvirt/mod.ts";
import { runControllers } from "../test_harness.ts";
import { FenceGate } from "./gate.ts";
import { lastRenewalFile, writeLastRenewal } from "./last_renewal.ts";
import { STARTUP_FENCE_BACKOFF, startupFenceController } from "./startup.ts";

const NODE = "n1";

/** libvirt with domains made by this node's agent, each for a VMI `ns/<name>` with a uid. */
function fakeLibvirt(domains: Array<{ name: string; uid: string }>) {
  const state = new Map(domains.map((d) => [d.uid, { ...d, active: true }]));
  const hypervisor = {
    list: () =>
      Promise.resolve([...state.values()].map((d): DomainSummary => ({
        name: `ns_${d.name}`,
        uuid: d.uid,
        state: d.active ? "running" : "shutoff",
        reason: 0,
        reasonName: "unknown",
      }))),
    metadata: (uuid: string) => {
      const d = state.get(uuid)!;
      return Promise.resolve(`<vmi namespace="ns" name="${d.name}" uid="${uuid}" node="${NODE}"/>`);
    },
    destroy: (uuid: string) => Promise.resolve(void (state.get(uuid)!.active = false)),
    undefine: (uuid: string) => Promise.resolve(void state.delete(uuid)),
  } as unknown as Hypervisor;
  /** Each domain left: `name running|shutoff`. */
  const left = () =>
    [...state.values()].map((d) => `${d.name} ${d.active ? "running" : "shutoff"}`);
  return { hypervisor, left };
}

function vmi(name: string, uid: string, nodeName: string): VMI {
  return {
    metadata: { namespace: "ns", name, uid },
    spec: { domain: { devices: {} } },
    status: { phase: "Running", nodeName },
  } as unknown as VMI;
}

async function setUp(renewedMsAgo: number | undefined) {
  const dir = await Deno.makeTempDir();
  const api = new FakeApi();
  const clock = new FakeClock();
  if (renewedMsAgo !== undefined) {
    const renewTime = new Date(clock.now() - renewedMsAgo).toISOString();
    api.put(leases, {
      metadata: { namespace: NODE_LEASE_NAMESPACE, name: NODE },
      spec: { renewTime },
    } as Lease);
  }
  api.put(virtualMachineInstances, vmi("keep", "k1", NODE));
  api.put(virtualMachineInstances, vmi("moved", "m1", "n2"));
  const libvirt = fakeLibvirt([
    { name: "keep", uid: "k1" },
    { name: "moved", uid: "m1" },
    { name: "gone", uid: "g1" },
  ]);
  const gate = new FenceGate();
  const controller = startupFenceController({
    node: { name: NODE, kvm: false, runDir: `${dir}/run` },
    hypervisor: libvirt.hypervisor,
    fenceSeconds: 20,
    dataDir: dir,
    gate,
    now: () => clock.now(),
  });
  return { dir, api, clock, gate, controller, ...libvirt };
}

Deno.test("startupFenceController() removes the domains of VMIs not assigned here, keeps the others and opens its part of the gate", async () => {
  const t = await setUp(1_000);
  const h = runControllers(t.api, t.clock, [t.controller]);
  try {
    await h.until("the start-up check", () => !t.gate.isClosedBy("startup"));
    assert.deepEqual(t.left(), ["keep running"]);
    assert.match(t.gate.closedBecause ?? "", /not yet seen this node's Lease renewed/);
  } finally {
    await h.stop();
    await Deno.remove(t.dir, { recursive: true });
  }
});

Deno.test("startupFenceController() destroys every running domain when the Lease is older than the fence time", async () => {
  const t = await setUp(25_000);
  const h = runControllers(t.api, t.clock, [t.controller]);
  try {
    await h.until("the start-up check", () => !t.gate.isClosedBy("startup"));
    assert.deepEqual(t.left(), ["keep shutoff"]);
  } finally {
    await h.stop();
    await Deno.remove(t.dir, { recursive: true });
  }
});

Deno.test("startupFenceController() without the API server keeps the gate closed, fences by the renewal on disk and retries with backoff", async () => {
  const t = await setUp(1_000);
  await writeLastRenewal(
    lastRenewalFile(t.dir),
    new Date(t.clock.now() - 25_000).toISOString(),
  );
  let reachable = false;
  const get = t.api.get.bind(t.api);
  t.api.get = (resource: Resource, ref: ObjectRef) =>
    reachable
      ? get(resource, ref)
      : Promise.reject(new TypeError("error sending request: connection refused"));
  const h = runControllers(t.api, t.clock, [t.controller]);
  try {
    await h.until("the fence by disk", () => t.left().every((d) => d.endsWith("shutoff")));
    assert.equal(t.left().length, 3, "nothing removed without the API server");
    assert.equal(t.gate.isClosedBy("startup"), true);
    assert.equal(t.clock.pending, 1, "the retry waits for its backoff on the queue's clock");
    reachable = true;
    t.clock.advance(STARTUP_FENCE_BACKOFF.baseMs * 1.2);
    await h.until("the start-up check", () => !t.gate.isClosedBy("startup"));
    assert.deepEqual(t.left(), ["keep shutoff"]);
  } finally {
    await h.stop();
    await Deno.remove(t.dir, { recursive: true });
  }
});

Deno.test("startupFenceController() fences by disk only without a Lease: a renewal read in an earlier pass counts", async () => {
  const t = await setUp(1_000);
  // A kubelet renewed the Lease while the agent was down: the file on disk is old.
  await writeLastRenewal(lastRenewalFile(t.dir), new Date(t.clock.now() - 60_000).toISOString());
  const get = t.api.get.bind(t.api);
  const answers = ["lease", "down", "down"];
  t.api.get = (resource: Resource, ref: ObjectRef) => {
    const answer = answers.shift() ?? "up";
    if (answer === "lease" && resource === leases) return get(resource, ref);
    if (answer === "up") return get(resource, ref);
    return Promise.reject(new TypeError("error sending request: connection refused"));
  };
  const h = runControllers(t.api, t.clock, [t.controller]);
  try {
    for (let pass = 1; pass <= 2; pass++) {
      await h.until(`the retry after pass ${pass}`, () => t.clock.pending === 1);
      t.clock.advance(STARTUP_FENCE_BACKOFF.baseMs * 4 * 1.2);
    }
    await h.until("the start-up check", () => !t.gate.isClosedBy("startup"));
    assert.deepEqual(answers, []);
    assert.deepEqual(t.left(), ["keep running"]);
  } finally {
    await h.stop();
    await Deno.remove(t.dir, { recursive: true });
  }
});
