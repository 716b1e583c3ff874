// kubevirt.io/v1 DomainSpec.devices: disks, interfaces and the other guest devices.
import { z } from "zod";
import { int32, marker, oneOf, opaqueList, uint32 } from "./meta.ts";

export const DISK_BUSES = ["virtio", "sata", "scsi", "usb"] as const;
export type DiskBus = (typeof DISK_BUSES)[number];
/** The members of KubeVirt's DiskDevice, of which a disk sets at most one. */
export const DISK_DEVICES = ["disk", "lun", "cdrom"] as const;
export type DiskDeviceKind = (typeof DISK_DEVICES)[number];

const DiskTargetSchema = z.strictObject({
  bus: z.enum(DISK_BUSES).optional().describe("Bus of the emulated disk: virtio, sata, scsi, usb."),
  readonly: z.boolean().optional(),
  pciAddress: z.string().optional(),
});
const LunTargetSchema = z.strictObject({
  bus: z.enum(DISK_BUSES).optional(),
  readonly: z.boolean().optional(),
  reservation: z.boolean().optional(),
});
const CDRomTargetSchema = z.strictObject({
  bus: z.enum(DISK_BUSES).optional(),
  readonly: z.boolean().optional(),
  tray: z.enum(["open", "closed"]).optional(),
});

export const DiskSchema = z
  .strictObject({
    name: z.string().describe("Name of the disk; must match the name of a volume."),
    disk: DiskTargetSchema.optional().describe("Attach the volume as a disk."),
    lun: LunTargetSchema.optional().describe("Attach the volume as a LUN."),
    cdrom: CDRomTargetSchema.optional().describe("Attach the volume as a cdrom."),
    bootOrder: uint32().min(1).optional().describe(
      "Boot order (> 0); lower values boot first. Each disk or interface with a boot order must have a unique value.",
    ),
    serial: z.string().optional(),
    dedicatedIOThread: z.boolean().optional(),
    cache: z.enum(["none", "writethrough", "writeback"]).optional(),
    io: z.enum(["native", "default", "threads"]).optional(),
    tag: z.string().optional(),
    blockSize: z.strictObject({
      custom: z.strictObject({
        logical: uint32(),
        physical: uint32(),
        discardGranularity: uint32().optional(),
      }).optional(),
      matchVolume: z.strictObject({ enabled: z.boolean().optional() }).optional(),
    }).optional(),
    shareable: z.boolean().optional(),
    errorPolicy: z.enum(["stop", "ignore", "report", "enospace"]).optional(),
    changedBlockTracking: z.boolean().optional(),
  })
  .superRefine(oneOf(DISK_DEVICES, "disk device"));
export type Disk = z.infer<typeof DiskSchema>;

/** KubeVirt's interface binding methods; an interface sets at most one. */
export const INTERFACE_BINDINGS = [
  "bridge",
  "masquerade",
  "sriov",
  "slirp",
  "macvtap",
  "passt",
  "binding",
] as const;
export type InterfaceBinding = (typeof INTERFACE_BINDINGS)[number];
export const INTERFACE_MODELS = [
  "e1000",
  "e1000e",
  "igb",
  "ne2k_pci",
  "pcnet",
  "rtl8139",
  "virtio",
] as const;
export type InterfaceModel = (typeof INTERFACE_MODELS)[number];

export const PortSchema = z.strictObject({
  name: z.string().optional(),
  protocol: z.enum(["TCP", "UDP"]).optional(),
  port: int32().min(1).max(65535),
});
export type Port = z.infer<typeof PortSchema>;

export const InterfaceSchema = z
  .strictObject({
    name: z.string().describe("Name of the interface; must match the name of a network."),
    model: z.enum(INTERFACE_MODELS).optional().describe("Interface model; defaults to virtio."),
    bridge: marker("Connect through a linux bridge.").optional(),
    masquerade: marker("Connect through NAT (netfilter masquerading).").optional(),
    sriov: marker().optional(),
    slirp: marker("Deprecated: removed in KubeVirt v1.3.").optional(),
    macvtap: marker("Deprecated: removed in KubeVirt v1.3.").optional(),
    passt: marker("Deprecated: removed in KubeVirt v1.3.").optional(),
    binding: z.strictObject({ name: z.string() }).optional(),
    ports: z.array(PortSchema).optional(),
    portRanges: opaqueList().optional(),
    macAddress: z.string().optional(),
    bootOrder: uint32().min(1).optional(),
    pciAddress: z.string().optional(),
    dhcpOptions: z.strictObject({
      bootFileName: z.string().optional(),
      tftpServerName: z.string().optional(),
      ntpServers: z.array(z.string()).optional(),
      privateOptions: z.array(z.strictObject({ option: int32(), value: z.string() })).optional(),
    }).optional(),
    tag: z.string().optional(),
    acpiIndex: int32().optional(),
    state: z.enum(["absent", "down", "up"]).optional(),
  })
  .superRefine(oneOf(INTERFACE_BINDINGS, "interface binding"));
export type Interface = z.infer<typeof InterfaceSchema>;

const WatchdogActionSchema = z.strictObject({
  action: z.enum(["poweroff", "reset", "shutdown"]).optional(),
});

export const DevicesSchema = z.strictObject({
  useVirtioTransitional: z.boolean().optional(),
  disableHotplug: z.boolean().optional(),
  disks: z.array(DiskSchema).max(256).optional().describe(
    "Disks, cdroms and luns connected to the VMI.",
  ),
  watchdog: z.strictObject({
    name: z.string(),
    i6300esb: WatchdogActionSchema.optional(),
    diag288: WatchdogActionSchema.optional(),
  }).optional(),
  interfaces: z.array(InterfaceSchema).max(256).optional().describe(
    "Network interfaces added to the VMI.",
  ),
  inputs: z.array(z.strictObject({
    name: z.string(),
    type: z.enum(["tablet"]),
    bus: z.enum(["virtio", "usb"]).optional(),
  })).optional(),
  autoattachPodInterface: z.boolean().optional(),
  autoattachGraphicsDevice: z.boolean().optional(),
  autoattachSerialConsole: z.boolean().optional(),
  logSerialConsole: z.boolean().optional(),
  autoattachMemBalloon: z.boolean().optional(),
  autoattachInputDevice: z.boolean().optional(),
  autoattachVSOCK: z.boolean().optional(),
  rng: marker("Random number generator from the host.").optional(),
  blockMultiQueue: z.boolean().optional(),
  networkInterfaceMultiqueue: z.boolean().optional(),
  gpus: opaqueList().optional(),
  downwardMetrics: marker().optional(),
  panicDevices: opaqueList().optional(),
  filesystems: opaqueList().optional(),
  hostDevices: opaqueList().optional(),
  clientPassthrough: marker().optional(),
  sound: z.strictObject({ name: z.string(), model: z.enum(["ich9", "ac97"]).optional() })
    .optional(),
  tpm: z.strictObject({ enabled: z.boolean().optional(), persistent: z.boolean().optional() })
    .optional(),
  video: z.strictObject({ type: z.string().optional() }).optional(),
});
export type Devices = z.infer<typeof DevicesSchema>;
