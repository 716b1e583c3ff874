import assert from "node:assert/strict";
import type { VMI } from "../../api/mod.ts";
import { vmLinksOf } from "../network/names.ts";
import type { LiveDomainFacts } from "../libvirt/xml_read.ts";
import { destinationXmlFor, disksToCopy, targetPodUidOf } from "./destination.ts";

const UID = "11111111-2222-3333-4444-555555555555";
const DIR = `/var/lib/denovirt/vmis/${UID}`;
const NODE = { name: "node-1", kvm: false, runDir: "/run/denovirt" };

const vmi = {
  apiVersion: "kubevirt.io/v1",
  kind: "VirtualMachineInstance",
  metadata: { namespace: "ns", name: "vm", uid: UID },
  spec: {
    domain: {
      resources: { requests: { memory: "128Mi" } },
      devices: {
        disks: [{ name: "root", disk: {} }, { name: "ci", disk: {} }, {
          name: "scratch",
          disk: {},
        }],
        interfaces: [{ name: "default", masquerade: {} }],
      },
    },
    networks: [{ name: "default", pod: {} }],
    volumes: [
      { name: "root", containerDisk: { image: "registry.local/disk" } },
      { name: "ci", cloudInitNoCloud: { userData: "#cloud-config" } },
      { name: "scratch", emptyDisk: { capacity: "1Gi" } },
    ],
  },
  status: {
    nodeName: "node-1",
    activePods: { "source-pod": "node-1", "target-pod": "node-2" },
    migrationState: { migrationUid: "m1", sourceNode: "node-1", targetNode: "node-2" },
  },
} as unknown as VMI;

const live: LiveDomainFacts = {
  machine: "pc-q35-7.2",
  interfaces: [{ name: "default", mac: "52:54:00:12:34:56", type: "bridge" }],
  disks: [
    {
      name: "root",
      target: "vda",
      files: [`${DIR}/root.overlay.qcow2`, "/var/lib/denovirt/images/abc/disk.img"],
      device: "file",
      format: "qcow2",
      readonly: false,
    },
    {
      name: "ci",
      target: "vdb",
      files: [`${DIR}/ci.iso`],
      device: "file",
      format: "raw",
      readonly: true,
    },
    {
      name: "scratch",
      target: "vdc",
      files: [`${DIR}/scratch.qcow2`],
      device: "file",
      format: "qcow2",
    },
  ],
};

Deno.test("targetPodUidOf() is the active pod on the migration's target node", () => {
  assert.equal(targetPodUidOf(vmi), "target-pod");
  const none = { ...vmi, status: { ...vmi.status, activePods: { "source-pod": "node-1" } } };
  assert.equal(targetPodUidOf(none as VMI), undefined);
});

Deno.test("disksToCopy() lists the writable disks in the VMI's directory, not cloud-init", () => {
  assert.deepEqual(disksToCopy(live, DIR), ["vda", "vdc"]);
  assert.deepEqual(disksToCopy(live, "/elsewhere"), []);
});

Deno.test("destinationXmlFor() renders the target pod's bridge, the target node and the live MAC", () => {
  const xml = destinationXmlFor(vmi, NODE, live);
  assert.match(xml, new RegExp(`<source bridge='${vmLinksOf("target-pod").bridge}'`));
  assert.doesNotMatch(xml, new RegExp(vmLinksOf("source-pod").bridge));
  assert.match(xml, /node='node-2'/);
  assert.match(xml, /<mac address='52:54:00:12:34:56'\/>/);
  assert.match(xml, new RegExp(`${DIR}/root.overlay.qcow2`));
  assert.match(xml, /<readonly\/>/);
});

Deno.test("destinationXmlFor() keeps QEMU's user network when the guest is on no pod bridge", () => {
  const user = {
    ...live,
    interfaces: [{ name: "default", mac: "52:54:00:aa:bb:cc", type: "user" }],
  };
  const xml = destinationXmlFor(vmi, NODE, user);
  assert.match(xml, /<interface type='user'>/);
  assert.match(xml, /52:54:00:aa:bb:cc/);
});

Deno.test("destinationXmlFor() refuses a VMI without a target pod when the guest is on a bridge", () => {
  const lone = { ...vmi, status: { ...vmi.status, activePods: { "source-pod": "node-1" } } };
  assert.throws(() => destinationXmlFor(lone as VMI, NODE, live), /no active pod/);
});
