import assert from "node:assert/strict";
import type { VMI } from "../../api/mod.ts";
import { virtualMachineInstances } from "../../lib/kube/resources.ts";
import { FakeApi } from "../../lib/testing/fake_api.ts";
import type { VmNetworkAttacher } from "../network/attach.ts";
import { loadVmi } from "../testdata/vmis.ts";
import { quiet } from "../test_harness.ts";
import { apply, type ApplyContext } from "./apply.ts";
import { PassMemory } from "./memory.ts";

/** apply() of one ensureNetwork step for a running VMI, with `attach` as the network's. */
async function ensureWith(attach: VmNetworkAttacher["attach"]) {
  const api = new FakeApi();
  const vmi = api.put<VMI>(virtualMachineInstances, {
    ...(await loadVmi("minimal")),
    status: { phase: "Running", nodeName: "n1" },
  } as VMI);
  const memory = new PassMemory();
  const network: VmNetworkAttacher = { attach, begin: () => Promise.reject(new Error("unused")) };
  const ctx = {
    rest: api.rest,
    node: { name: "n1", kvm: false, runDir: "/unused" },
    memory,
    network,
    log: quiet,
  } as unknown as ApplyContext;
  const observation = {
    key: "default/minimal",
    node: "n1",
    kvm: false,
    now: new Date().toISOString(),
    vmi,
    domain: undefined,
    networkUnchecked: true,
  };
  const outcome = await apply(observation, { actions: [{ type: "ensureNetwork" }] }, ctx);
  return { outcome, memory };
}

Deno.test("apply() ensureNetwork joins an adopted guest to its pod network and remembers it", async () => {
  const attached: string[] = [];
  const { outcome, memory } = await ensureWith((vmi) => {
    attached.push(vmi.metadata.name!);
    return Promise.resolve("dv-br");
  });
  assert.equal(outcome, undefined);
  assert.deepEqual(attached, ["minimal"]);
  assert.ok(memory.networkEnsured.has("default/minimal"));
});

Deno.test("apply() ensureNetwork that fails neither fails the pass nor counts as done", async () => {
  const { outcome, memory } = await ensureWith(() => Promise.reject(new Error("nft failed")));
  assert.equal(outcome, undefined);
  assert.ok(!memory.networkEnsured.has("default/minimal"));
});
