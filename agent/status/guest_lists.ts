/**
 * The guest agent's users and filesystems (libvirt's `user.*` and `fs.*` fields of
 * virDomainGetGuestInfo) as KubeVirt's userlist and filesystemlist items.
 */
import type { GuestFileSystem, GuestFileSystemDisk, GuestOSUser } from "../../api/mod.ts";

/** virDomainGuestInfoTypes: the logged-in users. */
export const GUEST_INFO_USERS = 1;
/** virDomainGuestInfoTypes: the mounted filesystems. */
export const GUEST_INFO_FILESYSTEM = 16;

type Fields = Record<string, number | string | boolean>;

const text = (value: unknown) => typeof value === "string" ? value : undefined;
const count = (value: unknown) => typeof value === "number" && value > 0 ? value : 0;

/**
 * KubeVirt's users of libvirt's `user.<n>.*` fields; libvirt's login time in milliseconds becomes
 * KubeVirt's fractional seconds since the epoch.
 */
export function guestUsersOf(fields: Fields): GuestOSUser[] {
  const users: GuestOSUser[] = [];
  for (let i = 0; i < count(fields["user.count"]); i++) {
    const userName = text(fields[`user.${i}.name`]);
    if (!userName) continue;
    const domain = text(fields[`user.${i}.domain`]);
    const loginMs = fields[`user.${i}.login-time`];
    users.push({
      userName,
      ...(domain ? { domain } : {}),
      ...(typeof loginMs === "number" && loginMs > 0 ? { loginTime: loginMs / 1000 } : {}),
    });
  }
  return users;
}

/**
 * KubeVirt's filesystems of libvirt's `fs.<n>.*` fields. libvirt names each disk under a
 * filesystem by its target in the domain (`alias`, e.g. `vdb`); `busOfTarget` answers that disk's
 * bus, which is the guest's bus type KubeVirt reports (`unknown` for a disk not in the domain).
 */
export function guestFilesystemsOf(
  fields: Fields,
  busOfTarget: (target: string) => string | undefined,
): GuestFileSystem[] {
  const filesystems: GuestFileSystem[] = [];
  for (let i = 0; i < count(fields["fs.count"]); i++) {
    const at = `fs.${i}`;
    const disks: GuestFileSystemDisk[] = [];
    for (let d = 0; d < count(fields[`${at}.disk.count`]); d++) {
      const alias = text(fields[`${at}.disk.${d}.alias`]);
      const serial = text(fields[`${at}.disk.${d}.serial`]);
      disks.push({
        ...(serial ? { serial } : {}),
        busType: (alias && busOfTarget(alias)) || "unknown",
      });
    }
    const bytes = (name: string) => {
      const value = fields[`${at}.${name}`];
      return typeof value === "number" ? value : 0;
    };
    filesystems.push({
      diskName: text(fields[`${at}.name`]) ?? "",
      mountPoint: text(fields[`${at}.mountpoint`]) ?? "",
      fileSystemType: text(fields[`${at}.fstype`]) ?? "",
      usedBytes: bytes("used-bytes"),
      totalBytes: bytes("total-bytes"),
      ...(disks.length ? { disk: disks } : {}),
    });
  }
  return filesystems;
}
