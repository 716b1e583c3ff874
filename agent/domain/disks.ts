/** `<disk>` elements, their target names and the controllers they need. */
import type { Disk, DiskBus, VirtualMachineInstanceSpec } from "../../api/mod.ts";
import { DomainSpecError } from "./errors.ts";
import type { PreparedDisk } from "./types.ts";
import { el, type XmlElement } from "./xml.ts";

export interface DiskTarget {
  name: string;
  kind: "disk" | "lun" | "cdrom";
  bus: DiskBus;
  /** libvirt's target name: vda, vdb, ... for virtio; sda, sdb, ... for sata, scsi and usb. */
  dev: string;
}

export interface RenderedDisks {
  disks: XmlElement[];
  controllers: XmlElement[];
  /** Some disk sits on the USB bus (so the USB controller must stay). */
  usb: boolean;
  /** Some disk has a boot order. */
  bootOrder: boolean;
}

// libvirt puts at most 7 units on one SCSI controller when it assigns drive addresses.
const SCSI_UNITS_PER_CONTROLLER = 7;

/** The `n`-th name of a prefix, as libvirt counts: a..z, aa..az, ba, ... */
export function diskDevName(prefix: string, index: number): string {
  let suffix = "";
  for (let i = index; i >= 0; i = Math.floor(i / 26) - 1) {
    suffix = String.fromCharCode(97 + (i % 26)) + suffix;
  }
  return prefix + suffix;
}

/** Each disk's kind, bus and target name, in disk order; SATA, SCSI and USB share the sd names. */
export function diskTargetsOf(spec: VirtualMachineInstanceSpec): DiskTarget[] {
  const counters = new Map<string, number>();
  return (spec.domain.devices.disks ?? []).map((disk, i) => {
    const { kind, bus } = kindAndBusOf(disk, `spec.domain.devices.disks[${i}]`);
    const prefix = prefixOf(bus);
    const index = counters.get(prefix) ?? 0;
    counters.set(prefix, index + 1);
    return { name: disk.name, kind, bus, dev: diskDevName(prefix, index) };
  });
}

function kindAndBusOf(disk: Disk, path: string): { kind: DiskTarget["kind"]; bus: DiskBus } {
  if (disk.cdrom) {
    const bus = disk.cdrom.bus ?? "sata";
    if (bus === "virtio") {
      throw new DomainSpecError(
        `${path}.cdrom.bus`,
        "Bus type virtio is invalid for CD-ROM device",
      );
    }
    return { kind: "cdrom", bus };
  }
  if (disk.lun) return { kind: "lun", bus: disk.lun.bus ?? "scsi" };
  return { kind: "disk", bus: disk.disk?.bus ?? "virtio" };
}

/** The `<disk>` elements for the VMI's disks, each backed by the prepared volume of its name. */
export function diskElements(
  spec: VirtualMachineInstanceSpec,
  prepared: PreparedDisk[],
  vcpus: number,
): RenderedDisks {
  const devices = spec.domain.devices;
  const targets = diskTargetsOf(spec);
  const volumes = new Set((spec.volumes ?? []).map((v) => v.name));
  const byName = new Map(prepared.map((p) => [p.name, p]));
  let maxScsiIndex = -1;
  const disks = (devices.disks ?? []).map((disk, i) => {
    const path = `spec.domain.devices.disks[${i}]`;
    const target = targets[i]!;
    if (!volumes.has(disk.name)) {
      throw new DomainSpecError(`${path}.name`, `no volume is named ${JSON.stringify(disk.name)}`);
    }
    const source = byName.get(disk.name);
    if (!source) {
      throw new DomainSpecError(
        `${path}.name`,
        `volume ${JSON.stringify(disk.name)} was not prepared`,
      );
    }
    if (target.bus === "scsi") maxScsiIndex = Math.max(maxScsiIndex, devIndex(target.dev));
    return diskElement(disk, target, source, path, {
      transitional: devices.useVirtioTransitional === true,
      queues: devices.blockMultiQueue ? vcpus : undefined,
    });
  });
  const controllers: XmlElement[] = [];
  // As KubeVirt: a virtio-scsi controller unless hotplug is disabled, so that a volume hotplugged
  // later has a bus to go on (a q35 domain has no free PCI slot to add a controller live).
  const hotplug = devices.disableHotplug !== true;
  const last = Math.max(maxScsiIndex, hotplug ? 0 : -1);
  for (let c = 0; c <= Math.floor(last / SCSI_UNITS_PER_CONTROLLER); c++) {
    if (last < 0) break;
    controllers.push(el("controller", { type: "scsi", index: c, model: "virtio-scsi" }));
  }
  return {
    disks,
    controllers,
    usb: targets.some((t) => t.bus === "usb"),
    bootOrder: (devices.disks ?? []).some((d) => d.bootOrder !== undefined),
  };
}

function devIndex(dev: string): number {
  let index = 0;
  for (const ch of dev.slice(2)) index = index * 26 + (ch.charCodeAt(0) - 96);
  return index - 1;
}

/** Target names of one bus family: `vd` for virtio, `sd` for the rest. */
function prefixOf(bus: DiskBus): string {
  return bus === "virtio" ? "vd" : "sd";
}

/**
 * The `<disk>` element that hotplugs the VMI's disk `name` onto its running domain, named with
 * the first target of its bus that no disk of the domain uses (`taken`), on SCSI controller 0.
 */
export function hotplugDiskElement(
  spec: VirtualMachineInstanceSpec,
  name: string,
  prepared: PreparedDisk,
  taken: readonly string[],
): XmlElement {
  const disks = spec.domain.devices.disks ?? [];
  const i = disks.findIndex((d) => d.name === name);
  const disk = disks[i];
  const path = `spec.domain.devices.disks[${i}]`;
  // Plain errors: the disk was refused or admitted at admission; these are the node's limits.
  if (!disk) throw new Error(`The VMI has no disk named ${JSON.stringify(name)} to hotplug`);
  const { kind, bus } = kindAndBusOf(disk, path);
  const prefix = prefixOf(bus);
  let index = 0;
  while (taken.includes(diskDevName(prefix, index))) index++;
  if (bus === "scsi" && index >= SCSI_UNITS_PER_CONTROLLER) {
    throw new Error(`Cannot hotplug disk ${name}: no free unit is left on SCSI controller 0`);
  }
  const target = { name, kind, bus, dev: diskDevName(prefix, index) };
  return diskElement(disk, target, prepared, path, { transitional: false, queues: undefined });
}

function diskElement(
  disk: Disk,
  target: DiskTarget,
  source: PreparedDisk,
  path: string,
  opts: { transitional: boolean; queues: number | undefined },
): XmlElement {
  if (target.kind === "lun" && source.device !== "block") {
    throw new DomainSpecError(
      `${path}.lun`,
      `a LUN needs a block device, but volume ${JSON.stringify(disk.name)} is a file: use disk`,
    );
  }
  const pciAddress = disk.disk?.pciAddress;
  if (pciAddress !== undefined && target.bus !== "virtio") {
    throw new DomainSpecError(
      `${path}.disk.pciAddress`,
      "setting a PCI address is only possible with bus type virtio",
    );
  }
  const readonly = target.kind === "cdrom" || disk.disk?.readonly === true ||
    disk.lun?.readonly === true || source.readonly === true;
  const virtio = target.bus === "virtio";
  const custom = disk.blockSize?.custom;
  return el(
    "disk",
    {
      type: source.device,
      device: target.kind,
      model: virtio && opts.transitional ? "virtio-transitional" : undefined,
    },
    el("driver", {
      name: "qemu",
      type: source.format,
      // O_DIRECT (cache='none') fails on tmpfs and some other file systems: ask only on request.
      cache: disk.cache ?? "writeback",
      io: disk.io === "default" ? undefined : disk.io,
      error_policy: disk.errorPolicy,
      queues: virtio ? opts.queues : undefined,
    }),
    source.device === "block"
      ? el("source", { dev: source.path })
      : el("source", { file: source.path }),
    el("target", { dev: target.dev, bus: target.bus, tray: disk.cdrom?.tray }),
    custom && el("blockio", {
      logical_block_size: custom.logical,
      physical_block_size: custom.physical,
    }),
    disk.serial !== undefined && el("serial", {}, disk.serial),
    disk.bootOrder !== undefined && el("boot", { order: disk.bootOrder }),
    readonly && el("readonly"),
    disk.shareable && el("shareable"),
    el("alias", { name: `ua-${disk.name}` }),
    pciAddress !== undefined && pciAddressElement(pciAddress, `${path}.disk.pciAddress`),
  );
}

const PCI_ADDRESS = /^([0-9a-f]{4}):([0-9a-f]{2}):([0-9a-f]{2})\.([0-7])$/i;

/** `<address type='pci'>` of a `dddd:bb:ss.f` address. */
export function pciAddressElement(address: string, path: string): XmlElement {
  const match = PCI_ADDRESS.exec(address);
  if (!match) {
    throw new DomainSpecError(
      path,
      `${JSON.stringify(address)} is not a PCI address (dddd:bb:ss.f)`,
    );
  }
  const [, domain, bus, slot, fn] = match;
  return el("address", {
    type: "pci",
    domain: `0x${domain}`,
    bus: `0x${bus}`,
    slot: `0x${slot}`,
    function: `0x${fn}`,
  });
}
