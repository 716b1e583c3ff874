/**
 * Volume hotplug on a running domain: the difference between the VMI's spec and the disks the
 * domain has, as libvirt's live XML shows them. A hotpluggable volume of the spec that the domain
 * lacks is attached; a disk of the domain whose volume left the spec is detached (admission lets
 * only hotpluggable volumes leave). Pure; `apply()` talks to libvirt.
 */
import { isHotpluggable, type VirtualMachineInstance } from "../../api/mod.ts";
import type { LiveDomainFacts } from "../libvirt/xml_read.ts";
import type { Action } from "./types.ts";

/** How soon to look again after a hotplug step: a detach may wait on the guest. */
export const HOTPLUG_RECHECK_MS = 1_000;

/** The attach and detach steps that bring the domain's disks to the VMI's spec. */
export function hotplugActions(
  vmi: VirtualMachineInstance,
  live: LiveDomainFacts | undefined,
): Action[] {
  if (!live) return [];
  const volumes = vmi.spec.volumes ?? [];
  const disks = new Set((vmi.spec.domain.devices.disks ?? []).map((d) => d.name));
  const attached = new Set(live.disks.flatMap((d) => d.name ? [d.name] : []));
  const actions: Action[] = [];
  for (const volume of volumes) {
    if (isHotpluggable(volume) && disks.has(volume.name) && !attached.has(volume.name)) {
      actions.push({ type: "attachDisk", name: volume.name });
    }
  }
  for (const disk of live.disks) {
    if (!disk.name || !disk.target || volumes.some((v) => v.name === disk.name)) continue;
    actions.push({
      type: "detachDisk",
      name: disk.name,
      target: disk.target,
      source: disk.files[0] ?? "",
      device: disk.device === "block" ? "block" : "file",
    });
  }
  return actions;
}

/** Whether the VMI's domain may take hotplug steps now: it runs and no migration moves it. */
export function mayHotplug(vmi: VirtualMachineInstance): boolean {
  const migration = vmi.status?.migrationState;
  const migrating = !!migration && !migration.completed && !migration.failed;
  return vmi.status?.phase === "Running" && !migrating;
}
