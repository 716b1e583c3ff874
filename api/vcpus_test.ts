import assert from "node:assert/strict";
import { notACidr, parseCidr } from "./cidr.ts";
import type { Interface } from "./devices.ts";
import { cpuTopologyOf, networkQueuesOf, vcpusOf } from "./vcpus.ts";
import type { VirtualMachineInstanceSpec } from "./vmi_spec.ts";

function spec(domain: Record<string, unknown>, multiqueue?: boolean): VirtualMachineInstanceSpec {
  return {
    domain: { ...domain, devices: { networkInterfaceMultiqueue: multiqueue } },
  } as VirtualMachineInstanceSpec;
}
const virtio: Interface = { name: "default", masquerade: {} };

Deno.test("cpuTopologyOf() takes sockets from the CPU limit, else the request, when no topology is given", () => {
  const limit = spec({ resources: { requests: { cpu: "500m" }, limits: { cpu: "2500m" } } });
  assert.deepEqual(cpuTopologyOf(limit), { sockets: 3, cores: 1, threads: 1 });
  assert.deepEqual(cpuTopologyOf(spec({ resources: { requests: { cpu: "2" } } })), {
    sockets: 2,
    cores: 1,
    threads: 1,
  });
  assert.equal(vcpusOf(spec({ cpu: { sockets: 2, cores: 3, threads: 2 } })), 12);
  assert.equal(vcpusOf(spec({ cpu: { cores: 2 }, resources: { limits: { cpu: "8" } } })), 2);
});

// KubeVirt's converter tests: "virtio-net multi-queue".
Deno.test("networkQueuesOf() gives virtio NICs one queue per vCPU, capped at 256, as KubeVirt", () => {
  assert.equal(networkQueuesOf(spec({ cpu: { cores: 2 } }), virtio), 0);
  assert.equal(networkQueuesOf(spec({ cpu: { cores: 2 } }, false), virtio), 0);
  assert.equal(networkQueuesOf(spec({ cpu: { cores: 2 } }, true), virtio), 2);
  assert.equal(
    networkQueuesOf(spec({ cpu: { cores: 2, sockets: 1, threads: 2 } }, true), virtio),
    4,
  );
  assert.equal(networkQueuesOf(spec({}, true), virtio), 1);
  assert.equal(networkQueuesOf(spec({ cpu: { cores: 512, threads: 2 } }, true), virtio), 256);
  assert.equal(
    networkQueuesOf(spec({ cpu: { cores: 2 } }, true), { ...virtio, model: "e1000" }),
    0,
  );
  assert.equal(
    networkQueuesOf(spec({ cpu: { cores: 2 } }, true), { ...virtio, model: "virtio" }),
    2,
  );
});

Deno.test("parseCidr() reduces IPv4 CIDRs to their network and checks IPv6 ones for shape", () => {
  assert.deepEqual(parseCidr("10.0.2.7/24", 4), { address: "10.0.2.0", prefix: 24 });
  assert.deepEqual(parseCidr("fd10:0:2::/120", 6), { address: "fd10:0:2::", prefix: 120 });
  for (const bad of ["10.0.2.0", "10.0.2.0/31", "10.0.2/24", "256.0.0.0/8", "10.0.2.0/24/1"]) {
    assert.equal(parseCidr(bad, 4), undefined, bad);
  }
  for (const bad of ["fd10::", "fd10::/129", "10.0.2.0/24", "fd10::g/64", "fd10::2::/64"]) {
    assert.equal(parseCidr(bad, 6), undefined, bad);
  }
  assert.equal(notACidr("x", 4), '"x" is not an IPv4 CIDR with a prefix of at most /30');
});
