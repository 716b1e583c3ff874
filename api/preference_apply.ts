// A preference fills what a VMI spec leaves unset (KubeVirt's pkg/instancetype/preference/apply):
// it never overrides the template. Pure; edits the spec and annotations it is given.
import type { Disk } from "./devices.ts";
import type { PreferenceSpec } from "./instancetype.ts";
import type { VirtualMachineInstanceSpec } from "./vmi_spec.ts";

/** Fills `spec` and `annotations` from `preference` where they are unset. */
export function applyPreference(
  spec: VirtualMachineInstanceSpec,
  annotations: Record<string, string>,
  preference: PreferenceSpec,
): void {
  applyDevices(spec, preference);
  applyDomain(spec, preference);
  for (const [key, value] of Object.entries(preference.annotations ?? {})) {
    annotations[key] ??= value;
  }
  if (preference.preferredSubdomain !== undefined) spec.subdomain ??= preference.preferredSubdomain;
  if (preference.preferredTerminationGracePeriodSeconds !== undefined) {
    spec.terminationGracePeriodSeconds ??= preference.preferredTerminationGracePeriodSeconds;
  }
  if (preference.preferredArchitecture !== undefined && !spec.architecture) {
    spec.architecture = preference.preferredArchitecture;
  }
}

function applyDevices(spec: VirtualMachineInstanceSpec, preference: PreferenceSpec): void {
  const preferred = preference.devices;
  if (!preferred) return;
  const devices = spec.domain.devices;
  const fill = <K extends keyof typeof devices>(key: K, value: (typeof devices)[K] | undefined) => {
    if (value !== undefined && devices[key] === undefined) devices[key] = value;
  };
  fill("autoattachGraphicsDevice", preferred.preferredAutoattachGraphicsDevice);
  fill("autoattachMemBalloon", preferred.preferredAutoattachMemBalloon);
  fill("autoattachPodInterface", preferred.preferredAutoattachPodInterface);
  fill("autoattachSerialConsole", preferred.preferredAutoattachSerialConsole);
  fill("autoattachInputDevice", preferred.preferredAutoattachInputDevice);
  fill("disableHotplug", preferred.preferredDisableHotplug);
  fill("useVirtioTransitional", preferred.preferredUseVirtioTransitional);
  fill("blockMultiQueue", preferred.preferredBlockMultiQueue);
  fill("networkInterfaceMultiqueue", preferred.preferredNetworkInterfaceMultiQueue);
  fill("rng", preferred.preferredRng);
  devices.disks = devices.disks?.map((disk) => preferredDisk(disk, preference));
  for (const iface of devices.interfaces ?? []) {
    if (preferred.preferredInterfaceModel !== undefined) {
      iface.model ??= preferred.preferredInterfaceModel;
    }
    const bound = iface.bridge ?? iface.masquerade ?? iface.sriov ?? iface.slirp ??
      iface.macvtap ?? iface.passt ?? iface.binding;
    if (preferred.preferredInterfaceMasquerade !== undefined && bound === undefined) {
      iface.masquerade = {};
    }
  }
  for (const input of devices.inputs ?? []) {
    if (preferred.preferredInputBus !== undefined) input.bus ??= preferred.preferredInputBus;
  }
}

/** A disk with the preferred bus, cache and IO mode where it has none. */
function preferredDisk(disk: Disk, preference: PreferenceSpec): Disk {
  const preferred = preference.devices ?? {};
  const result = { ...disk };
  // A disk without a device is a disk (KubeVirt's default), so that its bus can be preferred.
  if (!result.disk && !result.cdrom && !result.lun) result.disk = {};
  if (result.disk && preferred.preferredDiskBus !== undefined) {
    result.disk = { ...result.disk, bus: result.disk.bus ?? preferred.preferredDiskBus };
  }
  if (result.cdrom && preferred.preferredCdromBus !== undefined) {
    result.cdrom = { ...result.cdrom, bus: result.cdrom.bus ?? preferred.preferredCdromBus };
  }
  if (preferred.preferredDiskCache !== undefined) result.cache ??= preferred.preferredDiskCache;
  if (preferred.preferredDiskIO !== undefined) result.io ??= preferred.preferredDiskIO;
  return result;
}

function applyDomain(spec: VirtualMachineInstanceSpec, preference: PreferenceSpec): void {
  const domain = spec.domain;
  const features = preference.cpu?.preferredCPUFeatures;
  if (features && (domain.cpu?.features?.length ?? 0) === 0) {
    domain.cpu = { ...domain.cpu, features: structuredClone(features) };
  }
  const machineType = preference.machine?.preferredMachineType;
  if (machineType && !domain.machine?.type) {
    domain.machine = { ...domain.machine, type: machineType };
  }
  const firmware = preference.firmware;
  if (firmware && !domain.firmware?.bootloader) {
    const efi = firmware.preferredEfi ??
      (firmware.preferredUseEfi
        ? {
          ...(firmware.preferredUseSecureBoot !== undefined
            ? { secureBoot: firmware.preferredUseSecureBoot }
            : {}),
        }
        : undefined);
    const bootloader = efi !== undefined
      ? { efi: structuredClone(efi) }
      : firmware.preferredUseBios
      ? {
        bios: firmware.preferredUseBiosSerial !== undefined
          ? { useSerial: firmware.preferredUseBiosSerial }
          : {},
      }
      : undefined;
    if (bootloader) domain.firmware = { ...domain.firmware, bootloader };
  }
  const preferredFeatures = preference.features;
  if (preferredFeatures) {
    const current = { ...domain.features };
    current.acpi ??= preferredFeatures.preferredAcpi;
    current.apic ??= preferredFeatures.preferredApic;
    current.hyperv ??= preferredFeatures.preferredHyperv;
    current.kvm ??= preferredFeatures.preferredKvm;
    current.pvspinlock ??= preferredFeatures.preferredPvspinlock;
    current.smm ??= preferredFeatures.preferredSmm;
    const set = Object.entries(current).filter(([, v]) => v !== undefined);
    if (set.length > 0) domain.features = structuredClone(Object.fromEntries(set));
  }
  const clock = preference.clock;
  if (clock && !domain.clock) {
    const offset = clock.preferredClockOffset;
    const made = {
      ...(offset?.utc ? { utc: { ...offset.utc } } : {}),
      ...(offset?.timezone !== undefined ? { timezone: offset.timezone } : {}),
      ...(clock.preferredTimer ? { timer: structuredClone(clock.preferredTimer) } : {}),
    };
    if (Object.keys(made).length > 0) domain.clock = made;
  }
}
