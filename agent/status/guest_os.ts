/**
 * `status.guestOSInfo` from the guest agent's OS report (libvirt's `os.*` fields of
 * virDomainGetGuestInfo), in KubeVirt's field names.
 */
import type { GuestOSInfo } from "../../api/mod.ts";

/** virDomainGuestInfoTypes: the OS report only. */
export const GUEST_INFO_OS = 2;

const FIELDS: Array<[keyof GuestOSInfo, string]> = [
  ["name", "os.name"],
  ["kernelRelease", "os.kernel-release"],
  ["version", "os.version"],
  ["prettyName", "os.pretty-name"],
  ["versionId", "os.version-id"],
  ["kernelVersion", "os.kernel-version"],
  ["machine", "os.machine"],
  ["id", "os.id"],
];

/** KubeVirt's guestOSInfo of libvirt's OS fields; fields the guest did not report are left out. */
export function guestOSInfoOf(fields: Record<string, number | string | boolean>): GuestOSInfo {
  const info: GuestOSInfo = {};
  for (const [key, field] of FIELDS) {
    const value = fields[field];
    if (typeof value === "string" && value !== "") info[key] = value;
  }
  return info;
}
