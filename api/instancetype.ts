// instancetype.kubevirt.io/v1beta1: instance types (how big a VM is) and preferences (how its
// devices are best set up), namespaced and cluster-wide, as KubeVirt declares them.
import { z } from "zod";
import { DISK_BUSES, INTERFACE_MODELS } from "./devices.ts";
import { ClockSchema, CPU_FEATURE_POLICIES, FeaturesSchema } from "./domain.ts";
import {
  int64,
  ObjectMetaSchema,
  opaqueList,
  opaqueObject,
  StringMapSchema,
  uint32,
} from "./meta.ts";
import { QuantitySchema } from "./quantity.ts";

export const INSTANCETYPE_GROUP = "instancetype.kubevirt.io";
export const INSTANCETYPE_VERSION = "v1beta1";
export const INSTANCETYPE_API_VERSION = "instancetype.kubevirt.io/v1beta1";

export const VM_INSTANCETYPE_KIND = "VirtualMachineInstancetype";
export const VM_CLUSTER_INSTANCETYPE_KIND = "VirtualMachineClusterInstancetype";
export const VM_PREFERENCE_KIND = "VirtualMachinePreference";
export const VM_CLUSTER_PREFERENCE_KIND = "VirtualMachineClusterPreference";
/** The kinds `spec.instancetype.kind` may name; the cluster one is the default. */
export const INSTANCETYPE_KINDS = [VM_CLUSTER_INSTANCETYPE_KIND, VM_INSTANCETYPE_KIND] as const;
/** The kinds `spec.preference.kind` may name; the cluster one is the default. */
export const PREFERENCE_KINDS = [VM_CLUSTER_PREFERENCE_KIND, VM_PREFERENCE_KIND] as const;

export const InstancetypeSpecSchema = z.strictObject({
  nodeSelector: StringMapSchema.optional().describe("Node selector the VMI gets."),
  schedulerName: z.string().optional().describe("Scheduler that places the VMI."),
  cpu: z.strictObject({
    guest: uint32().min(1).describe("Number of vCPUs exposed to the guest."),
    model: z.string().optional().describe("CPU model inside the VMI; defaults to host-model."),
    dedicatedCPUPlacement: z.boolean().optional(),
    numa: opaqueObject().optional(),
    isolateEmulatorThread: z.boolean().optional(),
    realtime: opaqueObject().optional(),
    maxSockets: uint32().min(1).optional(),
  }).describe("Required CPU attributes of the instance type."),
  memory: z.strictObject({
    guest: QuantitySchema.describe("Amount of memory visible inside the guest."),
    hugepages: opaqueObject().optional(),
    overcommitPercent: z.int().min(0).max(100).optional().describe(
      "Percentage of the guest memory the launcher pod does not request.",
    ),
    maxGuest: QuantitySchema.optional(),
  }).describe("Required memory attributes of the instance type."),
  gpus: opaqueList().optional(),
  hostDevices: opaqueList().optional(),
  ioThreadsPolicy: z.enum(["shared", "auto", "supplementalPool"]).optional(),
  ioThreads: opaqueObject().optional(),
  launchSecurity: opaqueObject().optional(),
  annotations: StringMapSchema.optional().describe("Annotations applied to the VMI."),
});
export type InstancetypeSpec = z.infer<typeof InstancetypeSpecSchema>;

export const PREFERRED_CPU_TOPOLOGIES = [
  "preferCores",
  "preferSockets",
  "preferThreads",
  "preferSpread",
  "preferAny",
  "cores",
  "sockets",
  "threads",
  "spread",
  "any",
] as const;
export type PreferredCpuTopology = (typeof PREFERRED_CPU_TOPOLOGIES)[number];
export const SPREAD_ACROSS = ["SocketsCoresThreads", "SocketsCores", "CoresThreads"] as const;

const FeatureStateSchema = z.strictObject({ enabled: z.boolean().optional() });

export const PreferenceSpecSchema = z.strictObject({
  clock: z.strictObject({
    preferredClockOffset: z.strictObject({
      utc: z.strictObject({ offsetSeconds: int64().optional() }).optional(),
      timezone: z.string().optional(),
    }).optional(),
    preferredTimer: ClockSchema.shape.timer,
  }).optional(),
  cpu: z.strictObject({
    preferredCPUTopology: z.enum(PREFERRED_CPU_TOPOLOGIES).optional(),
    spreadOptions: z.strictObject({
      across: z.enum(SPREAD_ACROSS).optional(),
      ratio: uint32().min(1).optional(),
    }).optional(),
    preferredCPUFeatures: z.array(z.strictObject({
      name: z.string(),
      policy: z.enum(CPU_FEATURE_POLICIES).optional(),
    })).optional(),
  }).optional(),
  devices: z.strictObject({
    preferredAutoattachGraphicsDevice: z.boolean().optional(),
    preferredAutoattachMemBalloon: z.boolean().optional(),
    preferredAutoattachPodInterface: z.boolean().optional(),
    preferredAutoattachSerialConsole: z.boolean().optional(),
    preferredAutoattachInputDevice: z.boolean().optional(),
    preferredDisableHotplug: z.boolean().optional(),
    preferredVirtualGPUOptions: opaqueObject().optional(),
    preferredSoundModel: z.string().optional(),
    preferredUseVirtioTransitional: z.boolean().optional(),
    preferredInputBus: z.enum(["virtio", "usb"]).optional(),
    preferredInputType: z.enum(["tablet"]).optional(),
    preferredDiskBus: z.enum(DISK_BUSES).optional(),
    preferredLunBus: z.enum(DISK_BUSES).optional(),
    preferredCdromBus: z.enum(DISK_BUSES).optional(),
    preferredDiskDedicatedIoThread: z.boolean().optional(),
    preferredDiskCache: z.enum(["none", "writethrough", "writeback"]).optional(),
    preferredDiskIO: z.enum(["native", "default", "threads"]).optional(),
    preferredDiskBlockSize: opaqueObject().optional(),
    preferredInterfaceModel: z.enum(INTERFACE_MODELS).optional(),
    preferredRng: z.strictObject({}).optional(),
    preferredBlockMultiQueue: z.boolean().optional(),
    preferredNetworkInterfaceMultiQueue: z.boolean().optional(),
    preferredTPM: opaqueObject().optional(),
    preferredInterfaceMasquerade: z.strictObject({}).optional(),
    preferredPanicDeviceModel: z.string().optional(),
    preferredVideoType: z.string().optional(),
  }).optional(),
  features: z.strictObject({
    preferredAcpi: FeatureStateSchema.optional(),
    preferredApic: FeaturesSchema.shape.apic,
    preferredHyperv: FeaturesSchema.shape.hyperv,
    preferredKvm: FeaturesSchema.shape.kvm,
    preferredPvspinlock: FeatureStateSchema.optional(),
    preferredSmm: FeatureStateSchema.optional(),
  }).optional(),
  firmware: z.strictObject({
    preferredUseBios: z.boolean().optional(),
    preferredUseBiosSerial: z.boolean().optional(),
    preferredUseEfi: z.boolean().optional(),
    preferredUseSecureBoot: z.boolean().optional(),
    preferredEfi: z.strictObject({
      secureBoot: z.boolean().optional(),
      persistent: z.boolean().optional(),
    }).optional(),
  }).optional(),
  machine: z.strictObject({ preferredMachineType: z.string().optional() }).optional(),
  volumes: z.strictObject({ preferredStorageClassName: z.string().optional() }).optional(),
  preferredSubdomain: z.string().optional(),
  preferredTerminationGracePeriodSeconds: int64().optional(),
  requirements: z.strictObject({
    cpu: z.strictObject({ guest: uint32() }).optional(),
    memory: z.strictObject({ guest: QuantitySchema }).optional(),
    architecture: z.string().optional(),
  }).optional(),
  annotations: StringMapSchema.optional(),
  preferSpreadSocketToCoreRatio: uint32().optional(),
  preferredArchitecture: z.string().optional(),
});
export type PreferenceSpec = z.infer<typeof PreferenceSpecSchema>;

const InstancetypeApiVersionSchema = z.literal(INSTANCETYPE_API_VERSION);

function kindSchema<S extends z.ZodType>(kind: string, spec: S, description: string) {
  return z.strictObject({
    apiVersion: InstancetypeApiVersionSchema,
    kind: z.literal(kind),
    metadata: ObjectMetaSchema,
    spec: spec,
  }).describe(description);
}

export const VirtualMachineInstancetypeSchema = kindSchema(
  VM_INSTANCETYPE_KIND,
  InstancetypeSpecSchema,
  "VirtualMachineInstancetype holds the CPU, memory and related settings VMs can share.",
);
export const VirtualMachineClusterInstancetypeSchema = kindSchema(
  VM_CLUSTER_INSTANCETYPE_KIND,
  InstancetypeSpecSchema,
  "VirtualMachineClusterInstancetype is the cluster-wide VirtualMachineInstancetype.",
);
export const VirtualMachinePreferenceSchema = kindSchema(
  VM_PREFERENCE_KIND,
  PreferenceSpecSchema,
  "VirtualMachinePreference holds preferred settings that fill what a VM leaves unset.",
);
export const VirtualMachineClusterPreferenceSchema = kindSchema(
  VM_CLUSTER_PREFERENCE_KIND,
  PreferenceSpecSchema,
  "VirtualMachineClusterPreference is the cluster-wide VirtualMachinePreference.",
);

/** Any of the four kinds, as stored in a ControllerRevision. */
export interface InstancetypeObject {
  apiVersion: string;
  kind: string;
  metadata: z.infer<typeof ObjectMetaSchema>;
  spec: InstancetypeSpec | PreferenceSpec;
}
