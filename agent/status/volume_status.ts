/**
 * `status.volumeStatus`: each volume of the spec that the running domain has as a disk, with the
 * guest's device name (`target`), as KubeVirt lists them. A containerDisk also records the image
 * it runs by digest (`containerDiskVolume.imageID`, `<registry>/<repository>@sha256:...`, as a
 * kubelet's imageID), read from the cached base under the VMI's overlay: the bytes it runs, even
 * after the tag has moved on.
 */
import {
  formatImageReference,
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
  for (const volume of vmi.spec.volumes ?? []) {
    const disk = live?.disks.find((d) => d.name === volume.name);
    if (!disk) continue;
    const status: VolumeStatus = { name: volume.name };
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
  return out;
}
