import assert from "node:assert/strict";
import type { Disk, VirtualMachineInstanceSpec, Volume } from "../../api/mod.ts";
import { checkHotplugDisks, checkHotplugUpdate } from "./hotplug.ts";

const root: Volume = { name: "root", containerDisk: { image: "example/disk" } };
const rootDisk: Disk = { name: "root", disk: { bus: "virtio" } };
const hot: Volume = { name: "data", dataVolume: { name: "blank", hotpluggable: true } };
const spec = (volumes: Volume[], disks: Disk[]): VirtualMachineInstanceSpec => ({
  domain: { devices: { disks } },
  volumes,
});
const messages = (causes: { field: string; message: string }[]) =>
  causes.map((c) => `${c.field}: ${c.message}`);

Deno.test("checkHotplugDisks() takes scsi disks and LUNs, refuses other buses and CD-ROMs", () => {
  const virtio =
    'spec.domain.devices.disks[1].disk.bus: hotplugged Disk data does not use a "scsi" bus';
  const cases: [Disk, string[]][] = [
    [{ name: "data", disk: { bus: "scsi" } }, []],
    [{ name: "data", lun: {} }, []],
    [{ name: "data", disk: { bus: "virtio" } }, [virtio]],
    [{ name: "data" }, [virtio]],
    [{ name: "data", disk: { bus: "sata" } }, [
      'spec.domain.devices.disks[1].disk.bus: hotplugged Disk data does not use a "scsi" bus',
    ]],
    [{ name: "data", cdrom: { bus: "scsi" } }, [
      "spec.domain.devices.disks[1].cdrom: Disk data requires diskDevice of type 'disk' or 'lun' to be hotplugged.",
    ]],
  ];
  for (const [disk, expected] of cases) {
    const causes = checkHotplugDisks(spec([root, hot], [rootDisk, disk]), ["spec"]);
    assert.deepEqual(messages(causes), expected, JSON.stringify(disk));
  }
});

Deno.test("checkHotplugDisks() leaves permanent volumes' disks alone", () => {
  const permanent = { name: "data", dataVolume: { name: "blank" } };
  const disk: Disk = { name: "data", disk: { bus: "sata" } };
  assert.deepEqual(checkHotplugDisks(spec([root, permanent], [rootDisk, disk]), ["spec"]), []);
});

Deno.test("checkHotplugUpdate() allows hotplugged volumes to come and go, nothing else", () => {
  const before = spec([root], [rootDisk]);
  const hotDisk: Disk = { name: "data", disk: { bus: "scsi" } };
  const added = spec([root, hot], [rootDisk, hotDisk]);
  const cases: [string, VirtualMachineInstanceSpec, VirtualMachineInstanceSpec, string[]][] = [
    ["add", added, before, []],
    ["remove", before, added, []],
    ["add without disk", spec([root, hot], [rootDisk]), before, [
      "spec.volumes[1]: Disk data does not exist",
    ]],
    ["drop a permanent volume", spec([], []), before, [
      "spec.volumes: Number of permanent volumes has changed",
    ]],
    [
      "change a permanent disk",
      spec([root], [{ name: "root", disk: { bus: "sata" } }]),
      before,
      ["spec.domain.devices.disks: permanent disk root, changed"],
    ],
    [
      "change a hotplugged volume",
      spec([root, { ...hot, dataVolume: { name: "other", hotpluggable: true } }], [
        rootDisk,
        hotDisk,
      ]),
      added,
      ["spec.volumes[1]: hotplug volume data, changed"],
    ],
    [
      "add on a sata bus",
      spec([root, hot], [rootDisk, { name: "data", disk: { bus: "sata" } }]),
      before,
      [
        'spec.domain.devices.disks[1].disk.bus: hotplugged Disk data does not use a "scsi" bus',
      ],
    ],
  ];
  for (const [what, next, old, expected] of cases) {
    assert.deepEqual(messages(checkHotplugUpdate(next, old)), expected, what);
  }
  const disabled = spec([root, hot], [rootDisk, hotDisk]);
  disabled.domain.devices.disableHotplug = true;
  const old = structuredClone(before);
  old.domain.devices.disableHotplug = true;
  assert.deepEqual(messages(checkHotplugUpdate(disabled, old)), [
    "spec.volumes[1]: Unable to add volume [data] because hotplug is disabled: " +
    "spec.domain.devices.disableHotplug is true",
  ]);
});
