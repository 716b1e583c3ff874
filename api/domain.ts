// kubevirt.io/v1 DomainSpec: CPU, memory, resources, machine, firmware, features, clock.
import { z } from "zod";
import { DevicesSchema } from "./devices.ts";
import { int64, marker, oneOf, opaqueObject, uint32 } from "./meta.ts";
import { QuantitySchema, ResourceListSchema } from "./quantity.ts";

export const CPU_FEATURE_POLICIES = ["force", "require", "optional", "disable", "forbid"] as const;

export const CPUSchema = z.strictObject({
  cores: uint32().min(1).optional().describe("Number of cores inside the VMI (>= 1)."),
  sockets: uint32().min(1).optional().describe("Number of sockets inside the VMI (>= 1)."),
  threads: uint32().min(1).optional().describe("Number of threads inside the VMI (>= 1)."),
  maxSockets: uint32().optional(),
  model: z.string().optional().describe(
    "CPU model: a libvirt model name, host-passthrough or host-model (default).",
  ),
  features: z.array(z.strictObject({
    name: z.string(),
    policy: z.enum(CPU_FEATURE_POLICIES).optional(),
  })).optional(),
  dedicatedCpuPlacement: z.boolean().optional(),
  numa: z.strictObject({ guestMappingPassthrough: marker().optional() }).optional(),
  isolateEmulatorThread: z.boolean().optional(),
  realtime: z.strictObject({ mask: z.string().optional() }).optional(),
});
export type CPU = z.infer<typeof CPUSchema>;

export const MemorySchema = z.strictObject({
  guest: QuantitySchema.optional().describe(
    "Memory visible inside the guest; defaults to the requested memory.",
  ),
  maxGuest: QuantitySchema.optional(),
  hugepages: z.strictObject({ pageSize: z.string() }).optional(),
  reservedOverhead: opaqueObject().optional(),
});
export type Memory = z.infer<typeof MemorySchema>;

export const ResourceRequirementsSchema = z.strictObject({
  requests: ResourceListSchema.optional().describe(
    "Initial VMI resources; valid keys are memory and cpu.",
  ),
  limits: ResourceListSchema.optional(),
  overcommitGuestOverhead: z.boolean().optional(),
});
export type ResourceRequirements = z.infer<typeof ResourceRequirementsSchema>;

/** The members of KubeVirt's Bootloader, of which at most one is set. */
export const BOOTLOADERS = ["bios", "efi"] as const;

export const FirmwareSchema = z.strictObject({
  uuid: z.string().optional().describe("UUID reported by the VMI's firmware."),
  serial: z.string().optional().describe("The system-serial-number in SMBIOS."),
  bootloader: z
    .strictObject({
      bios: z.strictObject({ useSerial: z.boolean().optional() }).optional(),
      efi: z.strictObject({
        secureBoot: z.boolean().optional().describe("Enable SecureBoot; defaults to true."),
        persistent: z.boolean().optional(),
      }).optional(),
    })
    .superRefine(oneOf(BOOTLOADERS, "bootloader"))
    .optional(),
  kernelBoot: z.strictObject({
    kernelArgs: z.string().optional(),
    container: z.strictObject({
      image: z.string(),
      imagePullSecret: z.string().optional(),
      imagePullPolicy: z.enum(["Always", "Never", "IfNotPresent"]).optional(),
      kernelPath: z.string().optional(),
      initrdPath: z.string().optional(),
    }).optional(),
  }).optional(),
  acpi: z.strictObject({
    slicNameRef: z.string().optional(),
    msdmNameRef: z.string().optional(),
  }).optional(),
});
export type Firmware = z.infer<typeof FirmwareSchema>;

const FeatureStateSchema = z.strictObject({ enabled: z.boolean().optional() });

export const FeaturesSchema = z.strictObject({
  acpi: FeatureStateSchema.optional().describe("ACPI inside the guest; defaults to enabled."),
  apic: z.strictObject({
    enabled: z.boolean().optional(),
    endOfInterrupt: z.boolean().optional(),
  }).optional(),
  smm: FeatureStateSchema.optional(),
  kvm: z.strictObject({ hidden: z.boolean().optional() }).optional(),
  pvspinlock: FeatureStateSchema.optional(),
  hypervPassthrough: FeatureStateSchema.optional(),
  hyperv: z.strictObject({
    relaxed: FeatureStateSchema.optional(),
    vapic: FeatureStateSchema.optional(),
    spinlocks: z.strictObject({
      enabled: z.boolean().optional(),
      spinlocks: uint32().optional(),
    }).optional(),
    vpindex: FeatureStateSchema.optional(),
    runtime: FeatureStateSchema.optional(),
    synic: FeatureStateSchema.optional(),
    synictimer: z.strictObject({
      enabled: z.boolean().optional(),
      direct: FeatureStateSchema.optional(),
    }).optional(),
    reset: FeatureStateSchema.optional(),
    vendorid: z.strictObject({
      enabled: z.boolean().optional(),
      vendorid: z.string().optional(),
    }).optional(),
    frequencies: FeatureStateSchema.optional(),
    reenlightenment: FeatureStateSchema.optional(),
    tlbflush: z.strictObject({
      enabled: z.boolean().optional(),
      direct: FeatureStateSchema.optional(),
      extended: FeatureStateSchema.optional(),
    }).optional(),
    ipi: FeatureStateSchema.optional(),
    evmcs: FeatureStateSchema.optional(),
  }).optional(),
});
export type Features = z.infer<typeof FeaturesSchema>;

export const ClockSchema = z
  .strictObject({
    utc: z.strictObject({ offsetSeconds: int64().optional() }).optional(),
    timezone: z.string().optional(),
    timer: z.strictObject({
      hpet: opaqueObject().optional(),
      kvm: opaqueObject().optional(),
      pit: opaqueObject().optional(),
      rtc: opaqueObject().optional(),
      hyperv: opaqueObject().optional(),
    }).optional(),
  })
  .superRefine(oneOf(["utc", "timezone"], "clock offset"));
export type Clock = z.infer<typeof ClockSchema>;

export const DomainSpecSchema = z.strictObject({
  resources: ResourceRequirementsSchema.optional().describe(
    "Compute resources required by this VMI.",
  ),
  cpu: CPUSchema.optional().describe("CPU topology and model of the VMI."),
  memory: MemorySchema.optional(),
  machine: z.strictObject({ type: z.string().optional() }).optional().describe(
    "QEMU machine type.",
  ),
  firmware: FirmwareSchema.optional(),
  clock: ClockSchema.optional(),
  features: FeaturesSchema.optional(),
  devices: DevicesSchema.describe("Disks, network interfaces and other devices."),
  ioThreadsPolicy: z.enum(["shared", "auto", "supplementalPool"]).optional(),
  ioThreads: z.strictObject({ supplementalPoolThreadCount: uint32().optional() }).optional(),
  chassis: z.strictObject({
    manufacturer: z.string().optional(),
    version: z.string().optional(),
    serial: z.string().optional(),
    asset: z.string().optional(),
    sku: z.string().optional(),
  }).optional(),
  launchSecurity: opaqueObject().optional(),
  rebootPolicy: z.enum(["Reboot", "Terminate"]).optional(),
});
export type DomainSpec = z.infer<typeof DomainSpecSchema>;
