/**
 * KubeVirt's `LiveMigratable` condition and `status.migrationMethod`, as virt-handler computes
 * them (`calculateLiveMigrationCondition`): the volumes first, then the interfaces, the CPU model
 * and host devices. Pure, so the node agent (which writes them) and admission agree.
 */
import type { Condition } from "./meta.ts";
import type { VirtualMachineInstance } from "./virtual_machine_instance.ts";

/** The condition type. */
export const LIVE_MIGRATABLE_CONDITION = "LiveMigratable";
/** On a VMI: its pod-network bridge binding may be migrated anyway (the guest keeps its IP). */
export const ALLOW_POD_BRIDGE_MIGRATION_ANNOTATION =
  "kubevirt.io/allow-pod-bridge-network-live-migration";

/** KubeVirt's reasons for `LiveMigratable` False. */
export const NOT_MIGRATABLE_REASONS = {
  disks: "DisksNotLiveMigratable",
  interfaces: "InterfaceNotLiveMigratable",
  cpuMode: "CPUModeLiveMigratable",
  hostDevices: "HostDeviceNotLiveMigratable",
} as const;

/** KubeVirt's `status.migrationMethod` values. */
export type MigrationMethod = "BlockMigration" | "LiveMigration";

/** What the node knows besides the VMI. */
export interface MigratableInputs {
  /** Access modes of each claim the VMI uses, by claim name; undefined: not known (yet). */
  claimAccessModes(claimName: string): readonly string[] | undefined;
  /** The host CPU model the node offers to host-model guests; undefined: it allows none. */
  hostCpuModel: string | undefined;
}

/** The condition and the migration method, as KubeVirt reports them. */
export interface LiveMigratability {
  condition: Condition;
  method: MigrationMethod;
}

/** `LiveMigratable` and `migrationMethod` of a VMI. */
export function liveMigratabilityOf(
  vmi: VirtualMachineInstance,
  inputs: MigratableInputs,
): LiveMigratability {
  const volumes = checkVolumes(vmi, inputs);
  const method: MigrationMethod = volumes.blockMigration ? "BlockMigration" : "LiveMigration";
  const no = (reason: string, message: string) => ({
    condition: { type: LIVE_MIGRATABLE_CONDITION, status: "False" as const, reason, message },
    method,
  });
  if (volumes.error) return no(NOT_MIGRATABLE_REASONS.disks, volumes.error);
  const network = checkInterfaces(vmi);
  if (network) return no(NOT_MIGRATABLE_REASONS.interfaces, network);
  if (vmi.spec.domain.cpu?.model === "host-model" && !inputs.hostCpuModel) {
    return no(
      NOT_MIGRATABLE_REASONS.cpuMode,
      `the node "${vmi.status?.nodeName ?? ""}" does not allow migration with host-model`,
    );
  }
  const devices = vmi.spec.domain.devices;
  if ((devices.hostDevices ?? []).length > 0 || (devices.gpus ?? []).length > 0) {
    return no(NOT_MIGRATABLE_REASONS.hostDevices, "VMI uses a PCI host devices");
  }
  return { condition: { type: LIVE_MIGRATABLE_CONDITION, status: "True" }, method };
}

/** Whether an access mode list lets two nodes use the claim at once. */
export function hasSharedAccessMode(modes: readonly string[]): boolean {
  return modes.includes("ReadWriteMany");
}

/**
 * KubeVirt's `checkVolumesForMigration`: claims must be shared (ReadWriteMany), a hostDisk must be
 * marked shared, and every other volume (containerDisk overlays, emptyDisk, cloud-init) is local:
 * it is copied with the guest (block migration), unless a read-only CD-ROM uses it.
 */
function checkVolumes(
  vmi: VirtualMachineInstance,
  inputs: MigratableInputs,
): { blockMigration: boolean; error?: string } {
  let blockMigration = false;
  const requirement = "live migration requires that all PVCs must be shared " +
    "(using ReadWriteMany access mode)";
  for (const volume of vmi.spec.volumes ?? []) {
    const claim = volume.persistentVolumeClaim?.claimName ?? volume.dataVolume?.name;
    if (claim !== undefined) {
      const modes = inputs.claimAccessModes(claim);
      if (!modes) {
        return {
          blockMigration: true,
          error:
            `cannot migrate VMI: Unable to determine if PVC ${claim} is shared, ${requirement}`,
        };
      }
      if (!hasSharedAccessMode(modes)) {
        return {
          blockMigration: true,
          error: `cannot migrate VMI: PVC ${claim} is not shared, ${requirement}`,
        };
      }
      continue;
    }
    if (volume.hostDisk) {
      if (volume.hostDisk.shared !== true) {
        return { blockMigration: true, error: "cannot migrate VMI with non-shared HostDisk" };
      }
      continue;
    }
    const disk = vmi.spec.domain.devices.disks?.find((d) => d.name === volume.name);
    const readOnlyCdrom = disk?.cdrom !== undefined && disk.cdrom.readonly !== false;
    if (!readOnlyCdrom) blockMigration = true;
  }
  return { blockMigration };
}

/** KubeVirt's `VerifyVMIMigratable`: the pod network through masquerade (or an allowed bridge). */
function checkInterfaces(vmi: VirtualMachineInstance): string | undefined {
  const interfaces = vmi.spec.domain.devices.interfaces ?? [];
  if (interfaces.length === 0) return undefined;
  const podNetwork = (vmi.spec.networks ?? []).find((n) => n.pod !== undefined)?.name;
  const onPod = interfaces.find((i) => i.name === podNetwork);
  const allowBridge = ALLOW_POD_BRIDGE_MIGRATION_ANNOTATION in
    (vmi.metadata.annotations ?? {});
  if (onPod?.masquerade !== undefined) return undefined;
  if (onPod?.bridge !== undefined && allowBridge) return undefined;
  return "cannot migrate VMI which does not use masquerade, bridge with " +
    `${ALLOW_POD_BRIDGE_MIGRATION_ANNOTATION} VM annotation or a migratable plugin to connect ` +
    "to the pod network";
}
