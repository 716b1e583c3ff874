/**
 * Volume hotplug requests (KubeVirt's AddVolumeOptions, RemoveVolumeOptions and
 * VirtualMachineVolumeRequest) and how one changes a VMI spec: shared by the subresource API,
 * which takes them, and the VM controller, which carries out those queued on a VM.
 */
import type { Disk } from "./devices.ts";
import type { VirtualMachineInstanceSpec } from "./vmi_spec.ts";
import type { Volume } from "./volumes.ts";

/** The volume source a hotplug request may name: a DataVolume or a PVC. */
export interface HotplugVolumeSource {
  dataVolume?: { name: string; hotpluggable?: boolean };
  persistentVolumeClaim?: { claimName: string; readOnly?: boolean; hotpluggable?: boolean };
}

/** KubeVirt's AddVolumeOptions. */
export interface AddVolumeOptions {
  name: string;
  disk: Disk;
  volumeSource: HotplugVolumeSource;
  dryRun?: string[];
}

/** KubeVirt's RemoveVolumeOptions. */
export interface RemoveVolumeOptions {
  name: string;
  dryRun?: string[];
}

/** KubeVirt's VirtualMachineVolumeRequest: exactly one of the two is set. */
export type VolumeRequest = {
  addVolumeOptions?: AddVolumeOptions;
  removeVolumeOptions?: RemoveVolumeOptions;
};

/**
 * The disk bus a hotplugged disk may use, as KubeVirt: scsi, on the virtio-scsi controller every
 * domain has unless `disableHotplug`. A virtio disk would need a free PCIe slot, which a q35
 * domain does not keep.
 */
export const HOTPLUG_DISK_BUSES: readonly string[] = ["scsi"];

/** Whether `volume` is a hotplugged one: a DataVolume or PVC marked hotpluggable. */
export function isHotpluggable(volume: Volume): boolean {
  return volume.dataVolume?.hotpluggable === true ||
    volume.persistentVolumeClaim?.hotpluggable === true;
}

/** The name of the volume a request is about. */
export function volumeNameOf(request: VolumeRequest): string {
  return request.addVolumeOptions?.name ?? request.removeVolumeOptions?.name ?? "";
}

/** The volume an add request makes: its source, marked hotpluggable. */
function hotplugVolumeOf(options: AddVolumeOptions): Volume {
  const source = options.volumeSource;
  if (source.persistentVolumeClaim) {
    return {
      name: options.name,
      persistentVolumeClaim: { ...source.persistentVolumeClaim, hotpluggable: true },
    };
  }
  return {
    name: options.name,
    dataVolume: { name: source.dataVolume?.name ?? "", hotpluggable: true },
  };
}

/**
 * `spec` with `request` applied, as KubeVirt's ApplyVolumeRequestOnVMISpec: an add appends the
 * volume and its disk unless a volume of that name exists; a remove drops the volume and disk.
 */
export function withVolumeRequest(
  spec: VirtualMachineInstanceSpec,
  request: VolumeRequest,
): VirtualMachineInstanceSpec {
  const out = structuredClone(spec);
  const volumes = out.volumes ?? [];
  const disks = out.domain.devices.disks ?? [];
  const add = request.addVolumeOptions;
  if (add) {
    if (volumes.some((v) => v.name === add.name)) return out;
    out.volumes = [...volumes, hotplugVolumeOf(add)];
    out.domain.devices.disks = [...disks, { ...structuredClone(add.disk), name: add.name }];
    return out;
  }
  const remove = request.removeVolumeOptions?.name;
  if (remove === undefined) return out;
  out.volumes = volumes.filter((v) => v.name !== remove);
  out.domain.devices.disks = disks.filter((d) => d.name !== remove);
  return out;
}

/** Whether `spec` shows `request` done: an added volume and disk present, a removed one gone. */
export function isVolumeRequestDone(
  spec: VirtualMachineInstanceSpec,
  request: VolumeRequest,
): boolean {
  const name = volumeNameOf(request);
  const volume = (spec.volumes ?? []).some((v) => v.name === name);
  const disk = (spec.domain.devices.disks ?? []).some((d) => d.name === name);
  return request.addVolumeOptions ? volume && disk : !volume && !disk;
}

/**
 * The JSON Patch that puts `next`'s volumes and disks on an object whose spec is `current` at
 * `prefix` (`/spec` for a VMI), with tests of the current lists so concurrent changes conflict.
 */
export function volumesPatchOf(
  current: VirtualMachineInstanceSpec,
  next: VirtualMachineInstanceSpec,
  prefix = "/spec",
): { op: "test" | "add" | "replace"; path: string; value: unknown }[] {
  const volumesPath = `${prefix}/volumes`;
  const disksPath = `${prefix}/domain/devices/disks`;
  const oldVolumes = current.volumes;
  const oldDisks = current.domain.devices.disks;
  return [
    { op: "test", path: volumesPath, value: oldVolumes ?? null },
    { op: "test", path: disksPath, value: oldDisks ?? null },
    { op: oldVolumes ? "replace" : "add", path: volumesPath, value: next.volumes ?? [] },
    {
      op: oldDisks ? "replace" : "add",
      path: disksPath,
      value: next.domain.devices.disks ?? [],
    },
  ];
}

/**
 * Why `disk` cannot be hotplugged, with the field at fault under the disk; undefined when it can:
 * a disk or LUN (not a CD-ROM) on the scsi bus, as KubeVirt's admission wants them.
 */
export function hotplugDiskProblem(disk: Disk): { field: string[]; message: string } | undefined {
  if (!disk.disk && !disk.lun && disk.cdrom) {
    return {
      field: ["cdrom"],
      message: `Disk ${disk.name} requires diskDevice of type 'disk' or 'lun' to be hotplugged.`,
    };
  }
  const device = disk.lun ? "lun" : "disk";
  // Unset, a disk's bus is virtio (the webhooks default it so), a LUN's scsi.
  const bus = disk.lun?.bus ?? disk.disk?.bus ?? (disk.lun ? "scsi" : "virtio");
  if (!HOTPLUG_DISK_BUSES.includes(bus)) {
    return {
      field: [device, "bus"],
      message: `hotplugged Disk ${disk.name} does not use a "scsi" bus`,
    };
  }
  return undefined;
}

/** Why `spec` takes no hotplugged disk (`disableHotplug`: its domain has no SCSI controller). */
export function hotplugDisabledProblem(
  spec: VirtualMachineInstanceSpec,
  name: string,
): string | undefined {
  return spec.domain.devices.disableHotplug === true
    ? `Unable to add volume [${name}] because hotplug is disabled: ` +
      "spec.domain.devices.disableHotplug is true"
    : undefined;
}
