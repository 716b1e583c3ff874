// Hotplugged volumes: their disks in the shapes the agent attaches live, and, on a VMI's update,
// only hotpluggable volumes coming and going (KubeVirt's admitHotplugStorage).
import {
  hotplugDisabledProblem,
  hotplugDiskProblem,
  isHotpluggable,
  type VirtualMachineInstanceSpec,
  type Volume,
} from "../../api/mod.ts";
import { isDeepStrictEqual } from "node:util";
import { type Cause, cause } from "../review.ts";
import { at, type Path } from "./paths.ts";

/** Causes for hotpluggable volumes whose disk cannot be attached live. */
export function checkHotplugDisks(spec: VirtualMachineInstanceSpec, base: Path): Cause[] {
  const hot = new Set((spec.volumes ?? []).filter(isHotpluggable).map((v) => v.name));
  const causes: Cause[] = [];
  (spec.domain.devices.disks ?? []).forEach((disk, i) => {
    if (!hot.has(disk.name)) return;
    const problem = hotplugDiskProblem(disk);
    if (problem) {
      causes.push(
        cause(at(base, "domain", "devices", "disks", i, ...problem.field), problem.message),
      );
    }
  });
  return causes;
}

const byName = <T extends { name: string }>(list: readonly T[] | undefined) =>
  new Map((list ?? []).map((item) => [item.name, item]));

/**
 * Causes for a VMI spec update that changes more than hotpluggable volumes and their disks: the
 * permanent volumes and disks stay as they were, a hotplugged one is added or removed whole.
 */
export function checkHotplugUpdate(
  next: VirtualMachineInstanceSpec,
  old: VirtualMachineInstanceSpec,
): Cause[] {
  const permanent = (volumes: Volume[] | undefined) =>
    byName((volumes ?? []).filter((v) => !isHotpluggable(v)));
  const newPermanent = permanent(next.volumes);
  const oldPermanent = permanent(old.volumes);
  const newDisks = byName(next.domain.devices.disks);
  const oldDisks = byName(old.domain.devices.disks);
  const volumesPath = "spec.volumes";
  if (newPermanent.size !== oldPermanent.size) {
    return [cause(volumesPath, "Number of permanent volumes has changed")];
  }
  const causes: Cause[] = [];
  for (const [name, volume] of newPermanent) {
    if (!isDeepStrictEqual(volume, oldPermanent.get(name))) {
      causes.push(cause(volumesPath, `permanent volume ${name}, changed`));
    } else if (!isDeepStrictEqual(newDisks.get(name), oldDisks.get(name))) {
      causes.push(cause("spec.domain.devices.disks", `permanent disk ${name}, changed`));
    }
  }
  const oldHot = byName((old.volumes ?? []).filter(isHotpluggable));
  (next.volumes ?? []).forEach((volume, i) => {
    if (!isHotpluggable(volume)) return;
    const before = oldHot.get(volume.name);
    if (before) {
      if (!isDeepStrictEqual(volume, before)) {
        causes.push(cause(at(["spec", "volumes", i]), `hotplug volume ${volume.name}, changed`));
      } else if (!isDeepStrictEqual(newDisks.get(volume.name), oldDisks.get(volume.name))) {
        causes.push(cause("spec.domain.devices.disks", `hotplug disk ${volume.name}, changed`));
      }
    } else if (!newDisks.has(volume.name)) {
      causes.push(cause(at(["spec", "volumes", i]), `Disk ${volume.name} does not exist`));
    } else {
      const disabled = hotplugDisabledProblem(next, volume.name);
      if (disabled) causes.push(cause(at(["spec", "volumes", i]), disabled));
    }
  });
  return [...causes, ...checkHotplugDisks(next, ["spec"])];
}
