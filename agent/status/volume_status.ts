/**
 * `status.volumeStatus`: each volume of the spec that the running domain has as a disk, with the
 * guest's device name (`target`), as KubeVirt lists them. A containerDisk also records the image
 * it runs by digest (`containerDiskVolume.imageID`, `<registry>/<repository>@sha256:...`, as a
 * kubelet's imageID), read from the cached base under the VMI's overlay: the bytes it runs, even
 * after the tag has moved on. A hotplugged volume carries `hotplugVolume` and KubeVirt's phases:
 * Pending until the domain has its disk, Ready once it has, Detaching while the domain still has
 * the disk of a volume gone from the spec.
 */
import {
  formatImageReference,
  isHotpluggable,
  parseImageReference,
  type VirtualMachineInstance,
  type VirtualMachineInstanceStatus,
} from "../../api/mod.ts";
import { digestOfCachedDisk } from "../images/store.ts";
import type { LiveDomainFacts } from "../libvirt/xml_read.ts";

export type VolumeStatus = NonNullable<VirtualMachineInstanceStatus["volumeStatus"]>[number];

/** The volume statuses of `vmi` as its live domain shows them. */
export function volumeStatusOf(
  vmi: VirtualMachineInstance,
  live: LiveDomainFacts | undefined,
): VolumeStatus[] {
  const out: VolumeStatus[] = [];
  const volumes = vmi.spec.volumes ?? [];
  for (const volume of volumes) {
    const disk = live?.disks.find((d) => d.name === volume.name);
    const hotplug = isHotpluggable(volume);
    if (!disk) {
      if (hotplug && live) out.push(hotplugStatus(volume.name, "Pending"));
      continue;
    }
    const status: VolumeStatus = hotplug
      ? hotplugStatus(volume.name, "Ready")
      : { name: volume.name };
    if (disk.target) status.target = disk.target;
    const image = volume.containerDisk?.image;
    const digest = image ? disk.files.map(digestOfCachedDisk).find((d) => !!d) : undefined;
    if (image && digest) {
      const { registry, repository } = parseImageReference(image);
      status.containerDiskVolume = {
        imageID: formatImageReference({ registry, repository, digest }),
      };
    }
    out.push(status);
  }
  for (const disk of live?.disks ?? []) {
    if (!disk.name || volumes.some((v) => v.name === disk.name)) continue;
    const status = hotplugStatus(disk.name, "Detaching");
    if (disk.target) status.target = disk.target;
    out.push(status);
  }
  return out;
}

/** KubeVirt's words for a hotplugged volume in `phase`. */
function hotplugStatus(name: string, phase: "Pending" | "Ready" | "Detaching"): VolumeStatus {
  const words = {
    Pending: ["VolumePending", `Attaching hotplugged volume ${name} to VM`],
    Ready: ["VolumeReady", `Successfully attach hotplugged volume ${name} to VM`],
    Detaching: ["VolumeDetaching", `Detaching hotplugged volume ${name} from VM`],
  }[phase];
  return { name, hotplugVolume: {}, phase, reason: words[0], message: words[1] };
}
