import assert from "node:assert/strict";
import type { VirtualMachineInstanceSpec } from "../../api/mod.ts";
import { bindingOf, podInterfaceOf } from "./binding.ts";

function spec(iface: Record<string, unknown>, pod: Record<string, unknown> = {}) {
  return {
    domain: { devices: { interfaces: [{ name: "default", ...iface }] } },
    networks: [{ name: "default", pod }],
  } as unknown as VirtualMachineInstanceSpec;
}

Deno.test("bindingOf() reads masquerade with its VM network and ports, and bridge", () => {
  const masquerade = bindingOf(spec({ masquerade: {}, ports: [{ port: 80 }] }, {
    vmNetworkCIDR: "10.11.0.0/16",
  }));
  assert.equal(masquerade?.kind, "masquerade");
  if (masquerade?.kind === "masquerade") {
    assert.equal(masquerade.vmNetwork.guest, "10.11.0.2");
    assert.deepEqual(masquerade.ports, [{ port: 80 }]);
  }
  const byDefault = bindingOf(spec({ masquerade: {} }));
  assert.equal(byDefault?.kind === "masquerade" && byDefault.vmNetwork.gateway, "10.0.2.1");
  assert.deepEqual(bindingOf(spec({ bridge: {} })), { kind: "bridge" });
});

Deno.test("podInterfaceOf() skips absent interfaces and VMIs without a pod network", () => {
  assert.equal(podInterfaceOf(spec({ masquerade: {}, state: "absent" })), undefined);
  const none = { domain: { devices: {} } } as unknown as VirtualMachineInstanceSpec;
  assert.equal(podInterfaceOf(none), undefined);
  assert.equal(bindingOf(none), undefined);
});
