import assert from "node:assert/strict";
import { TerminalError } from "../../lib/errors.ts";
import type { VirtualMachineInstance } from "../../api/mod.ts";
import { fakePreparedDisks, loadVmi } from "../testdata/vmis.ts";
import { domainXmlFor } from "./domain_xml.ts";
import { DomainSpecError } from "./errors.ts";
import type { NodeFacts } from "./types.ts";

const NODE: NodeFacts = { name: "node01", kvm: false, runDir: "/run/denovirt/vmis" };

async function render(name: string, edit: (vmi: VirtualMachineInstance) => void, node = NODE) {
  const vmi = await loadVmi(name);
  edit(vmi);
  return domainXmlFor(vmi, node, fakePreparedDisks(vmi));
}

async function rejects(name: string, edit: (vmi: VirtualMachineInstance) => void, message: RegExp) {
  await assert.rejects(() => render(name, edit), (error: unknown) => {
    assert.ok(error instanceof TerminalError, `expected a TerminalError, got ${error}`);
    assert.match(error.message, message);
    return true;
  });
}

Deno.test("domainXmlFor() refuses kernel boot without host kernel files", async () => {
  await rejects(
    "kernel-boot",
    () => {},
    /^spec\.domain\.firmware\.kernelBoot: not supported by denovirt \(no kernel boot from a container image\)$/,
  );
});

Deno.test("domainXmlFor() refuses a LUN backed by a file", async () => {
  await rejects("minimal", (vmi) => {
    vmi.spec.domain.devices.disks![0] = { name: "rootdisk", lun: {} };
  }, /^spec\.domain\.devices\.disks\[0\]\.lun: a LUN needs a block device/);
});

Deno.test("domainXmlFor() refuses a CD-ROM on the virtio bus", async () => {
  await rejects("minimal", (vmi) => {
    vmi.spec.domain.devices.disks![0] = { name: "rootdisk", cdrom: { bus: "virtio" } };
  }, /cdrom\.bus: Bus type virtio is invalid for CD-ROM device/);
});

Deno.test("domainXmlFor() refuses a disk whose volume is missing or unprepared", async () => {
  await rejects("minimal", (vmi) => {
    vmi.spec.domain.devices.disks![0]!.name = "nope";
  }, /disks\[0\]\.name: no volume is named "nope"/);
  const vmi = await loadVmi("minimal");
  assert.throws(() => domainXmlFor(vmi, NODE, []), /volume "rootdisk" was not prepared/);
});

Deno.test("domainXmlFor() refuses bad machine types, CPU models and memory", async () => {
  await rejects("minimal", (vmi) => {
    vmi.spec.domain.machine = { type: "q35; rm -rf" };
  }, /machine\.type: "q35; rm -rf" is not a QEMU machine type/);
  await rejects("minimal", (vmi) => {
    vmi.spec.domain.cpu = { model: "<evil>" };
  }, /cpu\.model: "<evil>" is not a CPU model name/);
  await rejects("minimal", (vmi) => {
    vmi.spec.domain.resources = {};
  }, /guest memory or a memory request must be set/);
});

Deno.test("domainXmlFor() refuses Hyper-V enlightenments on a node without KVM", async () => {
  await rejects(
    "tuned",
    () => {},
    /features\.hyperv: Hyper-V enlightenments need KVM, which node node01/,
  );
});

Deno.test("domainXmlFor() derives a stable UUID from the uid when firmware.uuid is unset", async () => {
  const a = await render("minimal", (vmi) => delete vmi.spec.domain.firmware);
  const b = await render("minimal", (vmi) => delete vmi.spec.domain.firmware);
  const uuid = /<uuid>([0-9a-f-]{36})<\/uuid>/.exec(a)?.[1];
  assert.ok(uuid && /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab]/.test(uuid), a);
  assert.equal(a, b);
  await rejects("minimal", (vmi) => {
    delete vmi.spec.domain.firmware;
    delete vmi.metadata.uid;
  }, /firmware\.uuid: must be set when metadata\.uid is not/);
});

Deno.test("domainXmlFor() takes the vCPU count from the CPU limit when no topology is given", async () => {
  const xml = await render("minimal", (vmi) => {
    vmi.spec.domain.resources = {
      requests: { memory: "128Mi", cpu: "500m" },
      limits: { cpu: "2500m" },
    };
  });
  assert.match(xml, /<vcpu placement='static'>3<\/vcpu>/);
  assert.match(xml, /<topology sockets='3' dies='1' cores='1' threads='1'\/>/);
});

Deno.test("domainXmlFor() escapes attribute values and text", async () => {
  const xml = await render("minimal", (vmi) => {
    vmi.spec.domain.devices.disks![0]!.serial = `a'b"c<d>&e`;
  });
  assert.match(xml, /<serial>a&apos;b&quot;c&lt;d&gt;&amp;e<\/serial>/);
});

Deno.test("domainXmlFor() requires SMM for Secure Boot and renders EFI without Secure Boot on request", async () => {
  await rejects("efi", (vmi) => {
    vmi.spec.domain.features = { smm: { enabled: false } };
  }, /features\.smm: must not be disabled for EFI Secure Boot/);
  const xml = await render("efi", (vmi) => {
    vmi.spec.domain.firmware!.bootloader = { efi: { secureBoot: false } };
    delete vmi.spec.domain.features;
  });
  assert.match(xml, /<feature enabled='no' name='secure-boot'\/>/);
  assert.doesNotMatch(xml, /<smm/);
});

Deno.test("domainXmlFor() errors are DomainSpecErrors carrying the field path", async () => {
  try {
    await render("minimal", (vmi) => (vmi.spec.domain.machine = { type: "" + "!" }));
    assert.fail("expected an error");
  } catch (error) {
    assert.ok(error instanceof DomainSpecError);
    assert.equal(error.path, "spec.domain.machine.type");
  }
});
