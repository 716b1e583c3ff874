import assert from "node:assert/strict";
import type { VirtualMachineInstanceSpec } from "../../api/mod.ts";
import { diskElements, hotplugDiskElement } from "./disks.ts";
import type { PreparedDisk } from "./types.ts";
import { renderXml } from "./xml.ts";

const spec = (disableHotplug?: boolean): VirtualMachineInstanceSpec => ({
  domain: {
    devices: {
      disks: [
        { name: "root", disk: { bus: "virtio" } },
        { name: "data", disk: { bus: "scsi" }, serial: "d1" },
      ],
      ...(disableHotplug !== undefined ? { disableHotplug } : {}),
    },
  },
  volumes: [
    { name: "root", persistentVolumeClaim: { claimName: "root" } },
    { name: "data", dataVolume: { name: "blank", hotpluggable: true } },
  ],
});
const prepared: PreparedDisk = {
  name: "data",
  path: "/claims/blank/disk.img",
  format: "raw",
  device: "file",
};

Deno.test("hotplugDiskElement() renders the disk on the first SCSI target the domain does not use", () => {
  const xml = renderXml(hotplugDiskElement(spec(), "data", prepared, ["vda", "sda"]));
  assert.match(xml, /<disk type='file' device='disk'>/);
  assert.match(xml, /<source file='\/claims\/blank\/disk.img'\/>/);
  assert.match(xml, /<target dev='sdb' bus='scsi'\/>/);
  assert.match(xml, /<serial>d1<\/serial>/);
  assert.match(xml, /<alias name='ua-data'\/>/);
  const first = renderXml(hotplugDiskElement(spec(), "data", prepared, ["vda"]));
  assert.match(first, /<target dev='sda' bus='scsi'\/>/);
});

Deno.test("hotplugDiskElement() refuses a disk the spec lacks and a full SCSI controller", () => {
  assert.throws(() => hotplugDiskElement(spec(), "nope", prepared, []), /no disk named "nope"/);
  const full = ["sda", "sdb", "sdc", "sdd", "sde", "sdf", "sdg"];
  assert.throws(() => hotplugDiskElement(spec(), "data", prepared, full), /no free unit/);
});

Deno.test("diskElements() keeps a virtio-scsi controller for hotplug unless disableHotplug", () => {
  const only = (s: VirtualMachineInstanceSpec) => {
    s.domain.devices.disks = [s.domain.devices.disks![0]!];
    return s;
  };
  const root: PreparedDisk = { ...prepared, name: "root" };
  const controllers = (s: VirtualMachineInstanceSpec) =>
    diskElements(s, [root], 1).controllers.map((c) => renderXml(c).trim());
  assert.deepEqual(controllers(only(spec())), [
    "<controller type='scsi' index='0' model='virtio-scsi'/>",
  ]);
  assert.deepEqual(controllers(only(spec(true))), []);
});
