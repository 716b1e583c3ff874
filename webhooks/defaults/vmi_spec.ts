// KubeVirt's defaults for a VMI spec (pkg/defaults, kubevirt.io/api/core/v1/defaults.go), for
// VMIs and for the templates of VMs and replica sets. Each function edits the spec it is given.
import {
  type Disk,
  type DiskBus,
  parseQuantity,
  type Quantity,
  type VirtualMachineInstanceSpec,
} from "../../api/mod.ts";

/** KubeVirt's machine type on amd64. */
export const DEFAULT_MACHINE_TYPE = "q35";
/** KubeVirt's bus for disks, cdroms and luns without one on amd64 (setDefaultAmd64DisksBus). */
export const DEFAULT_DISK_BUS: DiskBus = "sata";
/** KubeVirt's CPU model when neither the VMI nor the cluster names one (v1.DefaultCPUModel). */
export const DEFAULT_CPU_MODEL = "host-model";
/** The interface and network KubeVirt adds when a VMI names neither (binding: masquerade). */
export const DEFAULT_NETWORK_NAME = "default";
/** Retries KubeVirt gives enabled Hyper-V spinlocks. */
const DEFAULT_SPINLOCK_RETRIES = 4096;

export interface SpecDefaultsOptions {
  /** A firmware UUID to set when the spec has none (not for replica set templates). */
  firmwareUuid?: string;
}

/** Applies every default to `spec`, in KubeVirt's order. */
export function defaultVmiSpec(
  spec: VirtualMachineInstanceSpec,
  options: SpecDefaultsOptions = {},
) {
  setDefaultMachineType(spec);
  setDefaultResourceRequests(spec);
  setDefaultGuestMemory(spec);
  setDefaultCpuTopology(spec);
  setDefaultPullPolicies(spec);
  setDefaultNetwork(spec);
  setDefaultVolumeDisks(spec);
  setDefaultDiskDevices(spec);
  setDefaultFeatureStates(spec);
  setDefaultDevices(spec);
  setDefaultCpuModel(spec);
  if (options.firmwareUuid && !spec.domain.firmware?.uuid) {
    spec.domain.firmware = { ...spec.domain.firmware, uuid: options.firmwareUuid };
  }
}

/** `machine.type` defaults to q35. */
export function setDefaultMachineType(spec: VirtualMachineInstanceSpec) {
  if (!spec.domain.machine?.type) {
    spec.domain.machine = { ...spec.domain.machine, type: DEFAULT_MACHINE_TYPE };
  }
}

/** Requests default to the limits, and the memory request to the guest memory (or page size). */
export function setDefaultResourceRequests(spec: VirtualMachineInstanceSpec) {
  const domain = spec.domain;
  const limits = domain.resources?.limits ?? {};
  const requests = { ...domain.resources?.requests };
  for (const name of ["cpu", "memory"]) {
    if (!isZero(limits[name]) && isZero(requests[name])) requests[name] = limits[name]!;
  }
  if (requests.memory === undefined) {
    const memory = domain.memory?.guest ?? domain.memory?.hugepages?.pageSize;
    if (memory !== undefined && !isZero(memory)) requests.memory = memory;
  }
  if (Object.keys(requests).length > 0) domain.resources = { ...domain.resources, requests };
}

/** `memory.guest` defaults to the memory request, else the memory limit. */
export function setDefaultGuestMemory(spec: VirtualMachineInstanceSpec) {
  const domain = spec.domain;
  if (domain.memory?.guest !== undefined) return;
  const requested = domain.resources?.requests?.memory;
  const limited = domain.resources?.limits?.memory;
  const guest = !isZero(requested) ? requested : !isZero(limited) ? limited : undefined;
  if (guest !== undefined) domain.memory = { ...domain.memory, guest };
}

/**
 * With no topology at all: one core, one thread, and as many sockets as CPUs are limited or
 * requested (rounded up; sockets perform best, https://bugzilla.redhat.com/1653453).
 */
export function setDefaultCpuTopology(spec: VirtualMachineInstanceSpec) {
  const cpu = spec.domain.cpu ?? {};
  if (cpu.cores !== undefined || cpu.sockets !== undefined || cpu.threads !== undefined) return;
  const resources = spec.domain.resources;
  const cpus = resources?.limits?.cpu ?? resources?.requests?.cpu;
  const sockets = cpus === undefined ? 1 : Number(safeValue(cpus) ?? 1n);
  spec.domain.cpu = {
    ...cpu,
    sockets: Math.min(Math.max(sockets, 1), 0xffffffff),
    cores: 1,
    threads: 1,
  };
}

/** `cpu.model` defaults to host-model. */
export function setDefaultCpuModel(spec: VirtualMachineInstanceSpec) {
  if (!spec.domain.cpu?.model) spec.domain.cpu = { ...spec.domain.cpu, model: DEFAULT_CPU_MODEL };
}

/** Container disks pull Always for `:latest` or untagged images, else IfNotPresent. */
export function setDefaultPullPolicies(spec: VirtualMachineInstanceSpec) {
  for (const volume of spec.volumes ?? []) {
    const disk = volume.containerDisk;
    if (!disk || disk.imagePullPolicy) continue;
    const floating = disk.image.endsWith(":latest") || !/[:@]/.test(disk.image);
    disk.imagePullPolicy = floating ? "Always" : "IfNotPresent";
  }
}

/** With neither interfaces nor networks: the pod network, masquerade-bound, named "default". */
export function setDefaultNetwork(spec: VirtualMachineInstanceSpec) {
  const devices = spec.domain.devices;
  if (devices.autoattachPodInterface === false) return;
  if ((devices.interfaces?.length ?? 0) > 0 || (spec.networks?.length ?? 0) > 0) return;
  devices.interfaces = [{ name: DEFAULT_NETWORK_NAME, masquerade: {} }];
  spec.networks = [{ name: DEFAULT_NETWORK_NAME, pod: {} }];
}

/** Every volume that no disk or filesystem names gets a disk of its own. */
export function setDefaultVolumeDisks(spec: VirtualMachineInstanceSpec) {
  const devices = spec.domain.devices;
  const named = new Set<unknown>([
    ...(devices.disks ?? []).map((d) => d.name),
    ...(devices.filesystems ?? []).map((f) => f.name),
  ]);
  const added: Disk[] = [];
  for (const volume of spec.volumes ?? []) {
    if (!named.has(volume.name)) {
      added.push({ name: volume.name });
      named.add(volume.name);
    }
  }
  if (added.length > 0) devices.disks = [...(devices.disks ?? []), ...added];
}

/** A disk without a device is a disk; buses default to sata; cdroms are read-only and closed. */
export function setDefaultDiskDevices(spec: VirtualMachineInstanceSpec) {
  for (const disk of spec.domain.devices.disks ?? []) {
    if (!disk.disk && !disk.cdrom && !disk.lun) disk.disk = {};
    if (disk.disk && !disk.disk.bus) disk.disk.bus = DEFAULT_DISK_BUS;
    if (disk.lun && !disk.lun.bus) disk.lun.bus = DEFAULT_DISK_BUS;
    if (disk.cdrom) {
      disk.cdrom.bus ??= DEFAULT_DISK_BUS;
      disk.cdrom.readonly ??= true;
      disk.cdrom.tray ??= "closed";
    }
  }
}

const HYPERV_STATES = [
  "relaxed",
  "vapic",
  "vpindex",
  "runtime",
  "synic",
  "reset",
  "frequencies",
  "reenlightenment",
  "ipi",
  "evmcs",
] as const;

/** A feature that is listed is enabled unless it says otherwise (SetDefaults_FeatureState). */
export function setDefaultFeatureStates(spec: VirtualMachineInstanceSpec) {
  const features = spec.domain.features;
  if (!features) return;
  for (const state of [features.acpi, features.apic, features.smm, features.pvspinlock]) {
    if (state) state.enabled ??= true;
  }
  if (features.hypervPassthrough) features.hypervPassthrough.enabled ??= true;
  const hyperv = features.hyperv;
  if (!hyperv) return;
  for (const name of HYPERV_STATES) {
    const state = hyperv[name];
    if (state) state.enabled ??= true;
  }
  if (hyperv.spinlocks) {
    hyperv.spinlocks.enabled ??= true;
    if (hyperv.spinlocks.enabled) hyperv.spinlocks.spinlocks ??= DEFAULT_SPINLOCK_RETRIES;
  }
  for (const timer of [hyperv.synictimer, hyperv.tlbflush]) {
    if (timer) timer.enabled ??= true;
  }
  if (hyperv.synictimer?.direct) hyperv.synictimer.direct.enabled ??= true;
  for (const state of [hyperv.tlbflush?.direct, hyperv.tlbflush?.extended]) {
    if (state) state.enabled ??= true;
  }
  if (hyperv.vendorid) hyperv.vendorid.enabled ??= true;
}

/** A watchdog is an i6300esb that resets; an input device is a USB tablet. */
export function setDefaultDevices(spec: VirtualMachineInstanceSpec) {
  const devices = spec.domain.devices;
  const watchdog = devices.watchdog;
  if (watchdog) {
    if (!watchdog.i6300esb && !watchdog.diag288) watchdog.i6300esb = {};
    for (const model of [watchdog.i6300esb, watchdog.diag288]) {
      if (model) model.action ??= "reset";
    }
  }
  for (const input of devices.inputs ?? []) input.bus ??= "usb";
}

function safeValue(quantity: Quantity): bigint | undefined {
  try {
    return parseQuantity(quantity).value;
  } catch {
    return undefined;
  }
}

function isZero(quantity: Quantity | undefined): boolean {
  if (quantity === undefined) return true;
  try {
    return parseQuantity(quantity).milliValue === 0n;
  } catch {
    return true;
  }
}
