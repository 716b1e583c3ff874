import assert from "node:assert/strict";
import type { VirtualMachineInstance } from "../../api/mod.ts";
import type { DomainDisk, LiveDomainFacts } from "../libvirt/xml_read.ts";
import { volumeStatusOf } from "./volume_status.ts";

const HEX = "ab".repeat(32);
const vmi = {
  metadata: { name: "v", namespace: "ns", uid: "u" },
  spec: {
    domain: { devices: {} },
    volumes: [
      { name: "root", containerDisk: { image: "127.0.0.1:5000/disks/fixture:v1" } },
      { name: "hub", containerDisk: { image: "kubevirt/cirros-container-disk-demo" } },
      { name: "cloudinit", cloudInitNoCloud: { userData: "#cloud-config\n" } },
      { name: "absent", emptyDisk: { capacity: "1Gi" } },
    ],
  },
} as unknown as VirtualMachineInstance;
const live = (disks: DomainDisk[]): LiveDomainFacts => ({ interfaces: [], disks, machine: "q35" });

Deno.test("volumeStatusOf() lists the domain's volumes with their targets and containerDisk digests", () => {
  const cases: Array<[string, LiveDomainFacts | undefined, unknown]> = [
    ["no domain, no volumes", undefined, []],
    [
      "a containerDisk on a cached base, one from Docker Hub on an entry with a path, cloud-init",
      live([
        {
          name: "root",
          target: "vda",
          files: ["/d/vmis/u/root.qcow2", `/d/images/sha256/${HEX}/disk`],
        },
        {
          name: "hub",
          target: "vdb",
          files: ["/d/vmis/u/hub.qcow2", `/d/images/sha256/${HEX}-0123456789abcdef/disk`],
        },
        { name: "cloudinit", target: "sda", files: ["/run/u/cloudinit.iso"] },
        { name: undefined, target: "vdc", files: [] },
      ]),
      [
        {
          name: "root",
          target: "vda",
          containerDiskVolume: { imageID: `127.0.0.1:5000/disks/fixture@sha256:${HEX}` },
        },
        {
          name: "hub",
          target: "vdb",
          containerDiskVolume: {
            imageID: `docker.io/kubevirt/cirros-container-disk-demo@sha256:${HEX}`,
          },
        },
        { name: "cloudinit", target: "sda" },
      ],
    ],
    [
      "a containerDisk whose base is not in the cache has no imageID",
      live([{ name: "root", target: "vda", files: ["/elsewhere/disk.qcow2"] }]),
      [{ name: "root", target: "vda" }],
    ],
  ];
  for (const [what, facts, want] of cases) {
    assert.deepEqual(volumeStatusOf(vmi, facts), want, what);
  }
});

Deno.test("volumeStatusOf() gives hotplugged volumes KubeVirt's phases: Pending, Ready, Detaching", () => {
  const hot = {
    metadata: { name: "v", namespace: "ns", uid: "u" },
    spec: {
      domain: { devices: {} },
      volumes: [
        { name: "root", persistentVolumeClaim: { claimName: "root" } },
        { name: "data", dataVolume: { name: "blank", hotpluggable: true } },
        { name: "later", persistentVolumeClaim: { claimName: "c", hotpluggable: true } },
      ],
    },
  } as unknown as VirtualMachineInstance;
  const statuses = volumeStatusOf(
    hot,
    live([
      { name: "root", target: "vda", files: ["/claims/root/disk.img"] },
      { name: "data", target: "sda", files: ["/claims/blank/disk.img"] },
      { name: "gone", target: "sdb", files: ["/claims/gone/disk.img"] },
    ]),
  );
  assert.deepEqual(statuses, [
    { name: "root", target: "vda" },
    {
      name: "data",
      hotplugVolume: {},
      phase: "Ready",
      reason: "VolumeReady",
      message: "Successfully attach hotplugged volume data to VM",
      target: "sda",
    },
    {
      name: "later",
      hotplugVolume: {},
      phase: "Pending",
      reason: "VolumePending",
      message: "Attaching hotplugged volume later to VM",
    },
    {
      name: "gone",
      hotplugVolume: {},
      phase: "Detaching",
      reason: "VolumeDetaching",
      message: "Detaching hotplugged volume gone from VM",
      target: "sdb",
    },
  ]);
  assert.deepEqual(volumeStatusOf(hot, undefined), [], "no domain, no statuses");
});
