import assert from "node:assert/strict";
import { domainNameInXml, domainUuidInXml, liveDomainFacts, parseDomainOwner } from "./xml_read.ts";

Deno.test("domainNameInXml() and domainUuidInXml() find the name and the UUID", () => {
  assert.equal(domainNameInXml("<domain type='qemu'><name> web </name></domain>"), "web");
  assert.equal(domainNameInXml("<domain/>"), "(unnamed)");
  assert.equal(
    domainUuidInXml("<domain><uuid>0A1B2C3D-0000-4000-8000-000000000001</uuid></domain>"),
    "0a1b2c3d-0000-4000-8000-000000000001",
  );
  assert.equal(domainUuidInXml("<domain/>"), undefined);
});

Deno.test("parseDomainOwner() reads denovirt's metadata element, with or without the node", () => {
  const owned = "<domain><metadata><denovirt:vmi xmlns:denovirt='http://denovirt.io/domain/1' " +
    "namespace='ns' name='web' uid='u-1' node='node-a'/></metadata></domain>";
  assert.deepEqual(parseDomainOwner(owned), {
    namespace: "ns",
    name: "web",
    uid: "u-1",
    node: "node-a",
  });
  // As virDomainGetMetadata returns it: the element alone, with its own prefix.
  assert.deepEqual(
    parseDomainOwner(
      `<vmi xmlns="http://denovirt.io/domain/1" namespace="ns" name="web" uid="u-1"/>`,
    ),
    { namespace: "ns", name: "web", uid: "u-1" },
  );
  assert.equal(parseDomainOwner("<other/>"), undefined);
  assert.equal(parseDomainOwner(undefined), undefined);
});

Deno.test("liveDomainFacts() reads interface MACs by alias and the machine type", () => {
  const facts = liveDomainFacts(
    `<domain><os><type arch='x86_64' machine='pc-q35-7.2'>hvm</type></os>
    <devices><interface type='user'><mac address='52:54:00:AB:CD:EF'/><model type='virtio'/>
    <alias name='ua-default'/></interface></devices></domain>`,
  );
  assert.deepEqual(facts, {
    interfaces: [{ name: "default", mac: "52:54:00:ab:cd:ef", type: "user" }],
    disks: [],
    machine: "pc-q35-7.2",
    guestAgentConnected: false,
  });
});

Deno.test("liveDomainFacts() reads whether the guest agent's channel is connected", () => {
  const channel = (name: string, state?: string) =>
    `<channel type='unix'><source mode='bind' path='/run/x.sock'/>` +
    `<target type='virtio' name='${name}'${state ? ` state='${state}'` : ""}/></channel>`;
  const cases: Array<[string, boolean]> = [
    [channel("org.qemu.guest_agent.0", "connected"), true],
    [channel("org.qemu.guest_agent.0", "disconnected"), false],
    [channel("org.qemu.guest_agent.0"), false],
    [channel("com.example.other", "connected") + channel("org.qemu.guest_agent.0"), false],
    ["", false],
  ];
  for (const [devices, want] of cases) {
    const xml = `<domain><devices>${devices}</devices></domain>`;
    assert.equal(liveDomainFacts(xml).guestAgentConnected, want, devices);
  }
});

Deno.test("liveDomainFacts() reads each disk's target, bus, alias and backing chain", () => {
  const facts = liveDomainFacts(
    `<domain><devices>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/>
      <source file='/data/vmi/root.qcow2' index='2'/>
      <backingStore type='file' index='1'><format type='raw'/>
        <source file='/data/images/sha256/ab/disk'/><backingStore/></backingStore>
      <target dev='vda' bus='virtio'/><alias name='ua-root'/></disk>
    <disk type='file' device='cdrom'><driver name='qemu' type='raw'/>
      <source file='/run/vmi/cloudinit.iso'/><readonly/>
      <target dev='sda' bus='sata'/><alias name='ua-cloudinit'/></disk>
    <disk type='file' device='disk'><target dev='vdb' bus='virtio'/></disk>
    </devices></domain>`,
  );
  assert.deepEqual(facts.disks, [
    {
      name: "root",
      target: "vda",
      bus: "virtio",
      files: ["/data/vmi/root.qcow2", "/data/images/sha256/ab/disk"],
      device: "file",
      format: "qcow2",
      readonly: false,
    },
    {
      name: "cloudinit",
      target: "sda",
      bus: "sata",
      files: ["/run/vmi/cloudinit.iso"],
      device: "file",
      format: "raw",
      readonly: true,
    },
    {
      name: undefined,
      target: "vdb",
      bus: "virtio",
      files: [],
      device: "file",
      format: undefined,
      readonly: false,
    },
  ]);
});
