import assert from "node:assert/strict";
import type { StatusError } from "../lib/http/status.ts";
import type { VmiLike, VmLike } from "./lifecycle.ts";
import {
  portForwardPathOf,
  portForwardRequestOf,
  portOf,
  protocolOf,
  vmiOfVm,
} from "./port_forward.ts";
import { checkPortForward } from "./vmi_checks.ts";

const API = "/apis/subresources.kubevirt.io";

/** Asserts `fn` throws a StatusError with `code` and a message matching `message`. */
function throwsStatus(fn: () => unknown, code: number, message: RegExp, what = "") {
  assert.throws(fn, (error: StatusError) => {
    assert.equal(error.status?.code, code, `${what}: ${error.message}`);
    assert.match(error.status.message!, message, what);
    return true;
  });
}

Deno.test("portForwardPathOf() reads virtctl's paths for VMIs and VMs, both versions", () => {
  const table: [string, ReturnType<typeof portForwardPathOf>][] = [
    [`${API}/v1/namespaces/ns/virtualmachineinstances/web/portforward/22/tcp`, {
      version: "v1",
      namespace: "ns",
      resource: "virtualmachineinstances",
      name: "web",
      port: "22",
      protocol: "tcp",
    }],
    [`${API}/v1alpha3/namespaces/ns/virtualmachines/web/portforward/53/udp`, {
      version: "v1alpha3",
      namespace: "ns",
      resource: "virtualmachines",
      name: "web",
      port: "53",
      protocol: "udp",
    }],
    [`${API}/v1/namespaces/ns/virtualmachineinstances/web/portforward/8080`, {
      version: "v1",
      namespace: "ns",
      resource: "virtualmachineinstances",
      name: "web",
      port: "8080",
    }],
  ];
  for (const [path, expected] of table) assert.deepEqual(portForwardPathOf(path), expected, path);
  for (
    const other of [
      `${API}/v1/namespaces/ns/virtualmachineinstances/web/console`,
      `${API}/v1/namespaces/ns/virtualmachineinstances/web/portforward`,
      `${API}/v1/namespaces/ns/virtualmachineinstances/web/portforward/22/tcp/x`,
      `${API}/v2/namespaces/ns/virtualmachineinstances/web/portforward/22`,
      `${API}/v1/namespaces/ns/pods/web/portforward/22`,
    ]
  ) {
    assert.equal(portForwardPathOf(other), undefined, other);
  }
});

Deno.test("portForwardRequestOf() defaults the protocol to tcp and checks port and protocol", () => {
  const path = portForwardPathOf(`${API}/v1/namespaces/ns/virtualmachines/web/portforward/8080`)!;
  assert.deepEqual(portForwardRequestOf(path), {
    version: "v1",
    namespace: "ns",
    resource: "virtualmachines",
    name: "web",
    port: 8080,
    protocol: "tcp",
  });
  throwsStatus(() => portForwardRequestOf({ ...path, port: "0" }), 400, /^Invalid port: "0"/);
  throwsStatus(
    () => portForwardRequestOf({ ...path, protocol: "icmp" }),
    400,
    /^Invalid protocol: "icmp" is not tcp or udp$/,
  );
});

Deno.test("portOf() and protocolOf() accept 1-65535 and tcp/udp, naming what they refuse", () => {
  for (const [text, port] of [["1", 1], ["22", 22], ["65535", 65535]] as const) {
    assert.equal(portOf(text), port);
  }
  for (const text of ["0", "65536", "-22", "+22", "22.0", "0x16", "ssh", " 22", "123456"]) {
    throwsStatus(
      () => portOf(text),
      400,
      /^Invalid port: ".*" is not a number from 1 to 65535$/,
      text,
    );
  }
  assert.equal(protocolOf(undefined), "tcp");
  assert.equal(protocolOf("udp"), "udp");
  for (const text of ["TCP", "UDP", "", "sctp"]) {
    throwsStatus(() => protocolOf(text), 400, /^Invalid protocol: /, text);
  }
});

const running = (status: VmiLike["status"] = {}): VmiLike => ({
  metadata: { name: "web", namespace: "ns", ownerReferences: [{ uid: "vm-uid" }] },
  status: { phase: "Running", nodeName: "n1", interfaces: [{ name: "default" }], ...status },
});

Deno.test("checkPortForward() refuses as virt-api does: paused 409, no interfaces 400, then not running 409", () => {
  checkPortForward(running());
  const table: [VmiLike, number, RegExp][] = [
    [
      running({ conditions: [{ type: "Paused", status: "True" }] }),
      409,
      /^Operation cannot be fulfilled on virtualmachineinstance\.kubevirt\.io "web": VMI is paused$/,
    ],
    [running({ interfaces: [] }), 400, /^no network interfaces are present$/],
    [running({ interfaces: undefined, phase: "Scheduling" }), 400, /^no network interfaces/],
    [
      running({ phase: "Succeeded" }),
      409,
      /^Operation cannot be fulfilled on virtualmachineinstance\.kubevirt\.io "web": VMI is not running$/,
    ],
  ];
  for (const [vmi, code, message] of table) {
    throwsStatus(() => checkPortForward(vmi), code, message, JSON.stringify(vmi.status));
  }
});

Deno.test("vmiOfVm() answers the VM's own VMI, or virt-api's 409, 404 and 500", () => {
  const vm = (created: boolean): VmLike => ({
    metadata: { name: "web", namespace: "ns", uid: "vm-uid" },
    status: { created },
  });
  const vmi = running();
  assert.equal(vmiOfVm(vm(true), vmi), vmi);
  throwsStatus(
    () => vmiOfVm(vm(false), vmi),
    409,
    /^Operation cannot be fulfilled on virtualmachine\.kubevirt\.io "web": VMI is not started$/,
  );
  throwsStatus(
    () => vmiOfVm(vm(true), undefined),
    404,
    /^virtualmachineinstance\.kubevirt\.io "web" not found$/,
  );
  throwsStatus(
    () => vmiOfVm(vm(true), { ...vmi, metadata: { ...vmi.metadata, ownerReferences: [] } }),
    500,
    /unable to retrieve vmi \[web\] for vm/,
  );
});
