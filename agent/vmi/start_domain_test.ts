import assert from "node:assert/strict";
import { join } from "node:path";
import type { VMI } from "../../api/mod.ts";
import { virtualMachineInstances } from "../../lib/kube/resources.ts";
import { FakeApi } from "../../lib/testing/fake_api.ts";
import type { Hypervisor } from "../libvirt/mod.ts";
import type { VmNetworkAttacher } from "../network/attach.ts";
import { loadVmi } from "../testdata/vmis.ts";
import { quiet } from "../test_harness.ts";
import { apply } from "./apply.ts";
import { PassMemory } from "./memory.ts";

/** apply() of one startDomain step with a hypervisor that records its calls. */
async function startWith(wired: () => Promise<void>, calls: string[] = []) {
  const dir = await Deno.makeTempDir({ prefix: "denovirt-start-" });
  const disk = join(dir, "disk.img");
  await Deno.writeFile(disk, new Uint8Array(512));
  const hypervisor = {
    defineXml: (xml: string) => {
      calls.push(`define ${xml.includes("<source bridge='dv-br'/>") ? "on dv-br" : "elsewhere"}`);
      return Promise.resolve({ name: "default_minimal", uuid: "u-1" });
    },
    start: () => (calls.push("start"), Promise.resolve()),
    destroy: () => (calls.push("destroy"), Promise.resolve()),
    undefine: () => (calls.push("undefine"), Promise.resolve()),
  } as unknown as Hypervisor;
  const network: VmNetworkAttacher = {
    attach: () => Promise.reject(new Error("not used")),
    begin: () => {
      calls.push("bridge");
      return Promise.resolve({ bridge: "dv-br", wired: wired() });
    },
  };
  const api = new FakeApi();
  const vmi = api.put<VMI>(virtualMachineInstances, {
    ...(await loadVmi("minimal")),
    status: { phase: "Scheduled", nodeName: "n1" },
  } as VMI);
  const node = { name: "n1", kvm: false, runDir: join(dir, "run") };
  try {
    const outcome = apply(
      {
        key: "default/minimal",
        node: "n1",
        kvm: false,
        now: new Date().toISOString(),
        vmi,
        domain: undefined,
      },
      { actions: [{ type: "startDomain", paused: false }] },
      {
        rest: api.rest,
        hypervisor,
        node,
        volumes: {
          dataDir: join(dir, "data"),
          hostDiskRoots: [],
          getSecret: () => Promise.resolve(undefined),
          resolveClaim: () => Promise.resolve(disk),
          containerDisk: () => Promise.reject(new Error("not used")),
          releaseImages: () => Promise.resolve(),
        },
        events: {
          record: () => Promise.resolve(),
          normal: () => Promise.resolve(),
          warning: () => Promise.resolve(),
        },
        memory: new PassMemory(),
        network,
        log: quiet,
      },
    );
    return { outcome: await outcome.then(() => undefined, (error: Error) => error), calls };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("apply() startDomain defines and starts the domain on the bridge while the wiring completes", async () => {
  let finish = () => {};
  const wiring = new Promise<void>((resolve) => finish = resolve);
  const seen: string[] = [];
  const run = startWith(() => wiring, seen);
  // The domain starts before the rest of the wiring is done; the pass waits for both.
  for (let i = 0; i < 500 && !seen.includes("start"); i++) {
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  assert.ok(seen.includes("start"), "the domain started while the wiring went on");
  finish();
  const { outcome, calls } = await run;
  assert.equal(outcome, undefined);
  assert.deepEqual(calls, ["bridge", "define on dv-br", "start"]);
});

Deno.test("apply() startDomain removes a started domain whose wiring failed, and fails the pass", async () => {
  const { outcome, calls } = await startWith(() =>
    new Promise((_, reject) => setTimeout(() => reject(new Error("Cannot wire: nft failed")), 20))
  );
  assert.match(String(outcome), /Cannot wire: nft failed/);
  assert.deepEqual(calls, ["bridge", "define on dv-br", "start", "destroy", "undefine"]);
});
