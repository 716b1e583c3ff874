import assert from "node:assert/strict";
import { guestFilesystemsOf, guestUsersOf } from "./guest_lists.ts";

Deno.test("guestUsersOf() names libvirt's user.* fields as KubeVirt's users, login time in seconds", () => {
  assert.deepEqual(
    guestUsersOf({
      "user.count": 2,
      "user.0.name": "root",
      "user.0.login-time": 1_765_000_000_250,
      "user.1.name": "Administrator",
      "user.1.domain": "WORKGROUP",
      "user.1.login-time": 0,
      "os.id": "debian",
    }),
    [
      { userName: "root", loginTime: 1_765_000_000.25 },
      { userName: "Administrator", domain: "WORKGROUP" },
    ],
  );
  assert.deepEqual(guestUsersOf({}), []);
  assert.deepEqual(guestUsersOf({ "user.count": 1 }), [], "an entry without a name is skipped");
});

Deno.test("guestFilesystemsOf() names libvirt's fs.* fields as KubeVirt's filesystems, bus from the domain's disk", () => {
  const buses: Record<string, string> = { vda: "virtio", sda: "sata" };
  assert.deepEqual(
    guestFilesystemsOf({
      "fs.count": 3,
      "fs.0.name": "vda1",
      "fs.0.mountpoint": "/",
      "fs.0.fstype": "ext4",
      "fs.0.total-bytes": 10_000,
      "fs.0.used-bytes": 4_000,
      "fs.0.disk.count": 1,
      "fs.0.disk.0.alias": "vda",
      "fs.0.disk.0.serial": "root-serial",
      "fs.0.disk.0.device": "/dev/vda1",
      "fs.1.name": "sr0",
      "fs.1.mountpoint": "/mnt",
      "fs.1.fstype": "iso9660",
      "fs.1.disk.count": 2,
      "fs.1.disk.0.alias": "sda",
      "fs.1.disk.1.device": "/dev/sdz",
      "fs.2.name": "md0",
      "fs.2.mountpoint": "/data",
      "fs.2.fstype": "xfs",
      "fs.2.disk.count": 0,
    }, (target) => buses[target]),
    [
      {
        diskName: "vda1",
        mountPoint: "/",
        fileSystemType: "ext4",
        usedBytes: 4_000,
        totalBytes: 10_000,
        disk: [{ serial: "root-serial", busType: "virtio" }],
      },
      {
        diskName: "sr0",
        mountPoint: "/mnt",
        fileSystemType: "iso9660",
        usedBytes: 0,
        totalBytes: 0,
        disk: [{ busType: "sata" }, { busType: "unknown" }],
      },
      { diskName: "md0", mountPoint: "/data", fileSystemType: "xfs", usedBytes: 0, totalBytes: 0 },
    ],
  );
  assert.deepEqual(guestFilesystemsOf({}, () => "virtio"), []);
});
