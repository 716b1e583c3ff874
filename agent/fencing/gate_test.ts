import assert from "node:assert/strict";
import type { Hypervisor } from "../libvirt/mod.ts";
import { FenceGate, gatedHypervisor } from "./gate.ts";

Deno.test("gatedHypervisor() refuses starts while the gate is closed and passes everything else", async () => {
  const calls: string[] = [];
  const fake = {
    start: (uuid: string) => Promise.resolve(void calls.push(`start ${uuid}`)),
    destroy: (uuid: string) => Promise.resolve(void calls.push(`destroy ${uuid}`)),
  } as unknown as Hypervisor;
  const gate = new FenceGate();
  const gated = gatedHypervisor(fake, gate);
  await assert.rejects(gated.start("a"), /this node is fenced: the agent has not yet seen/);
  await gated.destroy("a");
  gate.open();
  await gated.start("b");
  gate.close("no Lease renewal for 20 s");
  assert.throws(() => gate.check(), /fenced: no Lease renewal for 20 s/);
  assert.deepEqual(calls, ["destroy a", "start b"]);
});
