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
  await assert.rejects(gated.start("a"), /this node is fenced: the agent has not yet checked/);
  await gated.destroy("a");
  gate.open("startup");
  gate.open("lease");
  await gated.start("b");
  gate.close("lease", "no Lease renewal for 20 s");
  assert.throws(() => gate.check(), /fenced: no Lease renewal for 20 s/);
  assert.deepEqual(calls, ["destroy a", "start b"]);
});

Deno.test("FenceGate opens only once both the start-up check and the Lease let it, and tells its watchers", () => {
  const gate = new FenceGate();
  const seen: string[] = [];
  gate.changes.onChange((_, now) => void seen.push(now?.metadata?.annotations?.open ?? "?"));
  assert.match(gate.closedBecause ?? "", /checked this node's domains.*; .*Lease renewed/);
  gate.open("lease");
  assert.equal(gate.isClosedBy("lease"), false);
  assert.match(gate.closedBecause ?? "", /^the agent has not yet checked this node's domains/);
  assert.deepEqual(seen, [], "still closed by the start-up check");
  gate.open("startup");
  assert.equal(gate.closedBecause, undefined);
  gate.close("lease", "fenced");
  gate.close("startup", "again");
  gate.open("lease");
  gate.open("startup");
  assert.deepEqual(seen, ["true", "false", "true"]);
});
