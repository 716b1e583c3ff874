import assert from "node:assert/strict";
import type { VirtualMachineInstance } from "../../api/mod.ts";
import { fakePreparedDisks, loadVmi } from "../testdata/vmis.ts";
import { domainXmlFor, renderDomainXml } from "./domain_xml.ts";
import { DomainSpecError } from "./errors.ts";
import type { NodeFacts } from "./types.ts";

const NODE: NodeFacts = { name: "node01", kvm: false, runDir: "/run/denovirt/vmis" };

async function multiqueue(edit: (vmi: VirtualMachineInstance) => void) {
  const vmi = await loadVmi("multiqueue");
  edit(vmi);
  return vmi;
}

Deno.test("domainXmlFor() gives a multi-queue tap one queue per vCPU, capped at 256, virtio only", async () => {
  const render = (vmi: VirtualMachineInstance) =>
    domainXmlFor(vmi, NODE, fakePreparedDisks(vmi), { podBridge: "dvb0123456789" });
  assert.match(render(await multiqueue(() => {})), /<driver name='vhost' queues='4'\/>/);
  const one = await multiqueue((vmi) => delete vmi.spec.domain.cpu);
  assert.match(render(one), /<driver name='vhost' queues='1'\/>/);
  const many = await multiqueue((vmi) => (vmi.spec.domain.cpu = { sockets: 2, cores: 200 }));
  assert.match(render(many), /<driver name='vhost' queues='256'\/>/);
  const e1000 = await multiqueue((
    vmi,
  ) => (vmi.spec.domain.devices.interfaces![0]!.model = "e1000"));
  assert.doesNotMatch(render(e1000), /<driver name='vhost'/);
  const off = await multiqueue((vmi) => delete vmi.spec.domain.devices.networkInterfaceMultiqueue);
  assert.doesNotMatch(render(off), /<driver name='vhost'/);
});

Deno.test("domainXmlFor() puts pod-network NICs of both bindings on the pod bridge as taps", async () => {
  for (const binding of [{ masquerade: {} }, { bridge: {} }]) {
    const vmi = await multiqueue((vmi) => {
      vmi.spec.domain.devices.interfaces = [{ name: "default", ...binding, ports: [] }];
    });
    const xml = domainXmlFor(vmi, NODE, fakePreparedDisks(vmi), { podBridge: "dvb0123456789" });
    assert.match(xml, /<interface type='bridge'>\s*<source bridge='dvb0123456789'\/>/);
  }
});

Deno.test("domainXmlFor() without a pod bridge refuses what needs the pod's namespace", async () => {
  const bridged = await multiqueue((vmi) => {
    vmi.spec.domain.devices.interfaces = [{ name: "default", bridge: {} }];
  });
  assert.throws(
    () => domainXmlFor(bridged, NODE, fakePreparedDisks(bridged)),
    /interfaces\[0\]\.bridge: this node cannot join the launcher pod's network namespace/,
  );
  const ports = await multiqueue((vmi) => {
    delete vmi.spec.domain.cpu;
    vmi.spec.domain.devices.interfaces = [{
      name: "default",
      masquerade: {},
      ports: [{ port: 80 }],
    }];
  });
  assert.throws(
    () => domainXmlFor(ports, NODE, fakePreparedDisks(ports)),
    /interfaces\[0\]\.ports: this node cannot join the launcher pod's network namespace/,
  );
});

Deno.test("domainXmlFor() runs a 1-vCPU masquerade NIC under networkInterfaceMultiqueue on its one queue", async () => {
  const vmi = await multiqueue((vmi) => {
    delete vmi.spec.domain.cpu;
    vmi.spec.domain.devices.interfaces = [{ name: "default", masquerade: {} }];
  });
  const xml = domainXmlFor(vmi, NODE, fakePreparedDisks(vmi));
  assert.match(xml, /<interface type='user'>/);
  assert.doesNotMatch(xml, /<driver name='vhost'|queues=/);
});

Deno.test("renderDomainXml() refuses more queues than QEMU's user-mode network has", async () => {
  const vmi = await multiqueue((vmi) => {
    vmi.spec.domain.devices.interfaces = [{ name: "default", masquerade: {} }];
  });
  assert.throws(
    () => renderDomainXml(vmi, NODE, fakePreparedDisks(vmi)),
    (error: unknown) =>
      error instanceof DomainSpecError &&
      error.path === "spec.domain.devices.networkInterfaceMultiqueue" &&
      /4 queues for masquerade interface "default"/.test(error.message),
  );
});
