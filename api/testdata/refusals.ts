// Specs denovirt must refuse, one field each, on a spec it runs: the table that the agent's
// renderer, the webhooks and the API server are each tested against, so that what one refuses
// the others refuse too, naming the same field.

// Specs are poked anywhere.
// deno-lint-ignore no-explicit-any
export type Json = Record<string, any>;

export interface RefusalCase {
  name: string;
  /** Edits `runnableSpec()` into a spec that must be refused. */
  edit: (spec: Json) => void;
  /** The field the refusal names, below the VMI spec. */
  path: string;
  /** Words the webhooks' refusal holds besides the path. */
  says: string;
}

/** A VMI spec that the webhooks admit and the agent renders (a claim disk, masquerade). */
export function runnableSpec(): Json {
  return {
    domain: {
      cpu: { sockets: 1, cores: 1, threads: 1 },
      memory: { guest: "128Mi" },
      resources: { requests: { memory: "128Mi" } },
      devices: {
        disks: [{ name: "root", disk: { bus: "virtio" } }],
        interfaces: [{ name: "default", masquerade: {} }],
      },
    },
    networks: [{ name: "default", pod: {} }],
    volumes: [{ name: "root", persistentVolumeClaim: { claimName: "root" } }],
  };
}

const NS = "not supported by denovirt";
const DEV = "domain.devices";
const D0 = `${DEV}.disks[0]`;
const I0 = `${DEV}.interfaces[0]`;

/** Features denovirt cannot honour: api/unsupported.ts, one case per entry. */
export const UNSUPPORTED_CASES: RefusalCase[] = ([
  ["an arm64 guest", (s) => (s.architecture = "arm64"), "architecture"],
  ["launch security", (s) => (s.domain.launchSecurity = { sev: {} }), "domain.launchSecurity"],
  [
    "the auto IO threads policy",
    (s) => (s.domain.ioThreadsPolicy = "auto"),
    "domain.ioThreadsPolicy",
  ],
  [
    "dedicated CPUs",
    (s) => (s.domain.cpu.dedicatedCpuPlacement = true),
    "domain.cpu.dedicatedCpuPlacement",
  ],
  [
    "an isolated emulator thread",
    (s) => (s.domain.cpu.isolateEmulatorThread = true),
    "domain.cpu.isolateEmulatorThread",
  ],
  ["realtime vCPUs", (s) => (s.domain.cpu.realtime = {}), "domain.cpu.realtime"],
  [
    "NUMA passthrough",
    (s) => (s.domain.cpu.numa = { guestMappingPassthrough: {} }),
    "domain.cpu.numa",
  ],
  [
    "hugepages",
    (s) => (s.domain.memory.hugepages = { pageSize: "2Mi" }),
    "domain.memory.hugepages",
  ],
  [
    "ACPI tables",
    (s) => (s.domain.firmware = { acpi: { slicNameRef: "slic" } }),
    "domain.firmware.acpi",
  ],
  [
    "kernel boot from a container image",
    (s) => (s.domain.firmware = { kernelBoot: { container: { image: "quay.io/k/kernel:1" } } }),
    "domain.firmware.kernelBoot",
  ],
  [
    "kernel boot without a container",
    (s) => (s.domain.firmware = { kernelBoot: { kernelArgs: "console=ttyS0" } }),
    "domain.firmware.kernelBoot",
  ],
  [
    "direct TLB flush",
    (s) => (s.domain.features = { hyperv: { tlbflush: { direct: { enabled: true } } } }),
    "domain.features.hyperv.tlbflush.direct",
  ],
  [
    "extended TLB flush",
    (s) => (s.domain.features = { hyperv: { tlbflush: { extended: { enabled: true } } } }),
    "domain.features.hyperv.tlbflush.extended",
  ],
  [
    "a GPU",
    (s) => (s.domain.devices.gpus = [{ name: "g", deviceName: "nvidia.com/x" }]),
    `${DEV}.gpus`,
  ],
  [
    "a host device",
    (s) => (s.domain.devices.hostDevices = [{ name: "h", deviceName: "x" }]),
    `${DEV}.hostDevices`,
  ],
  [
    "a virtiofs filesystem",
    (s) => (s.domain.devices.filesystems = [{ name: "fs", virtiofs: {} }]),
    `${DEV}.filesystems`,
  ],
  [
    "a panic device",
    (s) => (s.domain.devices.panicDevices = [{ model: "isa" }]),
    `${DEV}.panicDevices`,
  ],
  ["downward metrics", (s) => (s.domain.devices.downwardMetrics = {}), `${DEV}.downwardMetrics`],
  [
    "USB client passthrough",
    (s) => (s.domain.devices.clientPassthrough = {}),
    `${DEV}.clientPassthrough`,
  ],
  ["a sound card", (s) => (s.domain.devices.sound = { name: "audio" }), `${DEV}.sound`],
  ["a TPM", (s) => (s.domain.devices.tpm = {}), `${DEV}.tpm`],
  ["a video device", (s) => (s.domain.devices.video = { type: "vga" }), `${DEV}.video`],
  ["VSOCK", (s) => (s.domain.devices.autoattachVSOCK = true), `${DEV}.autoattachVSOCK`],
  [
    "the s390 watchdog",
    (s) => (s.domain.devices.watchdog = { name: "w", diag288: {} }),
    `${DEV}.watchdog.diag288`,
  ],
  [
    "a dedicated IO thread",
    (s) => (s.domain.devices.disks[0].dedicatedIOThread = true),
    `${D0}.dedicatedIOThread`,
  ],
  [
    "changed block tracking",
    (s) => (s.domain.devices.disks[0].changedBlockTracking = true),
    `${D0}.changedBlockTracking`,
  ],
  [
    "block sizes matching the volume",
    (s) => (s.domain.devices.disks[0].blockSize = { matchVolume: { enabled: true } }),
    `${D0}.blockSize.matchVolume.enabled`,
  ],
  [
    "a custom discard granularity",
    (s) => (s.domain.devices.disks[0].blockSize = {
      custom: { logical: 512, physical: 512, discardGranularity: 4096 },
    }),
    `${D0}.blockSize.custom.discardGranularity`,
  ],
  ["a LUN", (s) => (s.domain.devices.disks[0] = { name: "root", lun: {} }), `${D0}.lun`],
  [
    "SCSI persistent reservation",
    (s) => (s.domain.devices.disks[0] = { name: "root", lun: { reservation: true } }),
    `${D0}.lun.reservation`,
  ],
  [
    "forwarded ports on a bridge binding",
    (
      s,
    ) => (s.domain.devices.interfaces[0] = { name: "default", bridge: {}, ports: [{ port: 80 }] }),
    `${I0}.ports`,
  ],
  [
    "forwarded port ranges",
    (
      s,
    ) => (s.domain.devices.interfaces[0].portRanges = [{
      protocol: "TCP",
      start: 8000,
      end: 8010,
    }]),
    `${I0}.portRanges`,
  ],
  [
    "DHCP options",
    (s) => (s.domain.devices.interfaces[0].dhcpOptions = { bootFileName: "pxe" }),
    `${I0}.dhcpOptions`,
  ],
  [
    "access credentials",
    (s) => (s.accessCredentials = [{ sshPublicKey: { source: { secret: { secretName: "k" } } } }]),
    "accessCredentials",
  ],
  ["resource claims", (s) => (s.resourceClaims = [{ name: "gpu" }]), "resourceClaims"],
  ["utility volumes", (s) => (s.utilityVolumes = [{ name: "u" }]), "utilityVolumes"],
  [
    "a configMap volume",
    (s) => {
      s.volumes.push({ name: "cfg", configMap: { name: "settings" } });
      s.domain.devices.disks.push({ name: "cfg", disk: { bus: "virtio" } });
    },
    "volumes[1].configMap",
  ],
  [
    "the SR-IOV binding",
    (s) => (s.domain.devices.interfaces[0] = { name: "default", sriov: {} }),
    `${I0}.sriov`,
  ],
  [
    "a Multus network",
    (s) => {
      s.networks[0] = { name: "default", multus: { networkName: "lan" } };
    },
    "networks[0].multus",
  ],
  [
    "a GPU resource",
    (s) => (s.domain.resources.requests["nvidia.com/gpu"] = "1"),
    "domain.resources.requests[nvidia.com/gpu]",
  ],
  ["600 vCPUs", (s) => (s.domain.cpu = { sockets: 2, cores: 300, threads: 1 }), "domain.cpu"],
] as [string, (spec: Json) => void, string][]).map(([name, edit, path]) => ({
  name,
  edit,
  path,
  says: NS,
}));

/** Values the agent's renderer cannot use. */
export const UNUSABLE_CASES: RefusalCase[] = [
  {
    name: "a CPU model that is no name",
    edit: (s) => (s.domain.cpu.model = "<evil>"),
    path: "domain.cpu.model",
    says: "is not a CPU model name",
  },
  {
    name: "a CD-ROM on the virtio bus",
    edit: (s) => (s.domain.devices.disks[0] = { name: "root", cdrom: { bus: "virtio" } }),
    path: `${D0}.cdrom.bus`,
    says: "Bus type virtio is invalid for CD-ROM device",
  },
  {
    name: "a PCI address on a SATA disk",
    edit: (s) => (s.domain.devices.disks[0].disk = { bus: "sata", pciAddress: "0000:00:05.0" }),
    path: `${D0}.disk.pciAddress`,
    says: "only possible with bus type virtio",
  },
  {
    name: "a VM network too small for the guest",
    edit: (s) => (s.networks[0].pod = { vmNetworkCIDR: "10.0.2.0/31" }),
    path: "networks[0].pod.vmNetworkCIDR",
    says: "is not an IPv4 CIDR",
  },
  {
    name: "an IPv6 network that is no CIDR",
    edit: (s) => (s.networks[0].pod = { vmIPv6NetworkCIDR: "fd10::2::/64" }),
    path: "networks[0].pod.vmIPv6NetworkCIDR",
    says: "is not an IPv6 CIDR",
  },
  ...([
    ["an unknown timer field", { hpet: { track: "guest" } }, "hpet.track", "unknown field"],
    ["a timer present that is no boolean", { pit: { present: "yes" } }, "pit.present", "boolean"],
    [
      "an unknown tick policy",
      { rtc: { tickPolicy: "often" } },
      "rtc.tickPolicy",
      "must be one of",
    ],
    ["an unknown timer track", { rtc: { track: "moon" } }, "rtc.track", "must be one of"],
  ] as const).map(([name, timer, field, says]) => ({
    name,
    edit: (s: Json) => (s.domain.clock = { utc: {}, timer }),
    path: `domain.clock.timer.${field}`,
    says,
  })),
  {
    name: "an ephemeral volume without a claim",
    edit: (s) => (s.volumes[0] = { name: "root", ephemeral: {} }),
    path: "volumes[0].ephemeral.persistentVolumeClaim",
    says: "Required value",
  },
  {
    name: "guest memory under 1M",
    edit: (s) => (s.domain.memory.guest = "512k"),
    path: "domain.memory.guest",
    says: "must be greater than or equal to 1M",
  },
];

/** Mistakes the webhooks refused already, which the renderer checks too. */
export const MISTAKE_CASES: RefusalCase[] = [
  {
    name: "no memory at all",
    edit: (s) => {
      delete s.domain.memory;
      delete s.domain.resources;
    },
    path: "domain.memory.guest",
    says: "no memory requested",
  },
  {
    name: "a disk without a volume",
    edit: (s) => (s.domain.devices.disks[0].name = "data"),
    path: `${D0}.name`,
    says: "has no matching volume",
  },
  {
    name: "an interface without a network",
    edit: (s) => (s.domain.devices.interfaces[0].name = "other"),
    path: `${I0}.name`,
    says: "has no matching network",
  },
  {
    name: "a machine type that is no name",
    edit: (s) => (s.domain.machine = { type: "q35; reboot" }),
    path: "domain.machine.type",
    says: "is not supported",
  },
  {
    name: "a MAC address that is none",
    edit: (s) => (s.domain.devices.interfaces[0].macAddress = "02:00:00:zz:00:01"),
    path: `${I0}.macAddress`,
    says: "is not a MAC address",
  },
  {
    name: "an interface PCI address that is none",
    edit: (s) => (s.domain.devices.interfaces[0].pciAddress = "0000:81:01"),
    path: `${I0}.pciAddress`,
    says: "is not a PCI address",
  },
  {
    name: "a disk PCI address that is none",
    edit: (s) => (s.domain.devices.disks[0].disk.pciAddress = "81:01.0"),
    path: `${D0}.disk.pciAddress`,
    says: "is not a PCI address",
  },
  {
    name: "a firmware UUID that is none",
    edit: (s) => (s.domain.firmware = { uuid: "not-a-uuid" }),
    path: "domain.firmware.uuid",
    says: "is not a UUID",
  },
  {
    name: "Secure Boot without SMM",
    edit: (s) => {
      s.domain.firmware = { bootloader: { efi: { secureBoot: true } } };
      s.domain.features = { smm: { enabled: false } };
    },
    path: "domain.features.smm",
    says: "requires SMM",
  },
  {
    name: "a CPU limit that is no quantity",
    edit: (s) => {
      delete s.domain.cpu;
      s.domain.resources.limits = { cpu: "lots" };
    },
    path: "domain.resources.limits.cpu",
    says: "",
  },
  {
    name: "guest memory that is no quantity",
    edit: (s) => (s.domain.memory.guest = "lots"),
    path: "domain.memory.guest",
    says: "",
  },
];

/** Every case: each is refused by the webhooks, and by the agent before it renders a domain. */
export const REFUSAL_CASES: readonly RefusalCase[] = [
  ...UNSUPPORTED_CASES,
  ...UNUSABLE_CASES,
  ...MISTAKE_CASES,
];

/** A case's spec. */
export function refusedSpec(c: RefusalCase): Json {
  const spec = runnableSpec();
  c.edit(spec);
  return spec;
}
