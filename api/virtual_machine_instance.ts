// kubevirt.io/v1 VirtualMachineInstance: a running (or about to run) guest.
import { z } from "zod";
import {
  ConditionSchema,
  int32,
  int64,
  KubeVirtApiVersionSchema,
  ObjectMetaSchema,
  StringMapSchema,
  TimeSchema,
} from "./meta.ts";
import { QuantitySchema } from "./quantity.ts";
import { VirtualMachineInstanceSpecSchema } from "./vmi_spec.ts";

/** VMI phases; "" is KubeVirt's VmPhaseUnset, before any controller has seen the VMI. */
export const VMI_PHASES = [
  "",
  "Pending",
  "Scheduling",
  "Scheduled",
  "Running",
  "Succeeded",
  "Failed",
  "Unknown",
] as const;
export type VirtualMachineInstancePhase = (typeof VMI_PHASES)[number];

export const QOS_CLASSES = ["Guaranteed", "Burstable", "BestEffort"] as const;

export const VirtualMachineInstanceNetworkInterfaceSchema = z.looseObject({
  name: z.string().optional().describe("Name of the network of the interface."),
  mac: z.string().optional(),
  ipAddress: z.string().optional().describe("First IP address of the interface."),
  ipAddresses: z.array(z.string()).optional(),
  interfaceName: z.string().optional().describe("Interface name inside the guest."),
  podInterfaceName: z.string().optional(),
  infoSource: z.string().optional(),
  queueCount: int32().optional(),
  linkState: z.string().optional(),
});
export type VirtualMachineInstanceNetworkInterface = z.infer<
  typeof VirtualMachineInstanceNetworkInterfaceSchema
>;

export const GuestOSInfoSchema = z.looseObject({
  name: z.string().optional(),
  kernelRelease: z.string().optional(),
  version: z.string().optional(),
  prettyName: z.string().optional(),
  versionId: z.string().optional(),
  kernelVersion: z.string().optional(),
  machine: z.string().optional(),
  id: z.string().optional(),
});
export type GuestOSInfo = z.infer<typeof GuestOSInfoSchema>;

/** The state of a live migration, in VMI and migration statuses. */
export const MigrationStateSchema = z.looseObject({
  migrationUid: z.string().optional(),
  sourceNode: z.string().optional(),
  sourcePod: z.string().optional(),
  targetNode: z.string().optional(),
  targetPod: z.string().optional(),
  targetNodeAddress: z.string().optional(),
  targetNodeDomainDetected: z.boolean().optional(),
  targetNodeDomainReadyTimestamp: TimeSchema.optional(),
  targetDirectMigrationNodePorts: z.record(z.string(), int32()).optional(),
  startTimestamp: TimeSchema.optional(),
  endTimestamp: TimeSchema.optional(),
  completed: z.boolean().optional(),
  failed: z.boolean().optional(),
  abortRequested: z.boolean().optional(),
  abortStatus: z.string().optional(),
  failureReason: z.string().optional(),
  mode: z.string().optional(),
});
export type MigrationState = z.infer<typeof MigrationStateSchema>;

export const VirtualMachineInstanceStatusSchema = z.looseObject({
  phase: z.enum(VMI_PHASES).optional().describe("Phase of the VMI in its lifecycle."),
  phaseTransitionTimestamps: z.array(z.looseObject({
    phase: z.enum(VMI_PHASES).optional(),
    phaseTransitionTimestamp: TimeSchema.optional(),
  })).optional(),
  nodeName: z.string().optional().describe("Node the VMI runs on."),
  reason: z.string().optional().describe("Brief CamelCase reason for the VMI's state."),
  conditions: z.array(ConditionSchema).optional(),
  interfaces: z.array(VirtualMachineInstanceNetworkInterfaceSchema).optional(),
  guestOSInfo: GuestOSInfoSchema.optional(),
  migrationState: MigrationStateSchema.nullable().optional(),
  migrationMethod: z.string().optional(),
  migrationTransport: z.string().optional(),
  qosClass: z.enum(QOS_CLASSES).optional(),
  launcherContainerImageVersion: z.string().optional(),
  evacuationNodeName: z.string().optional(),
  activePods: StringMapSchema.optional(),
  volumeStatus: z.array(z.looseObject({
    name: z.string(),
    target: z.string().optional(),
    phase: z.string().optional(),
    reason: z.string().optional(),
    message: z.string().optional(),
    size: int64().optional(),
    hotplugVolume: z.looseObject({
      attachPodName: z.string().optional(),
      attachPodUID: z.string().optional(),
    }).optional().describe(
      "Set for a hotplugged volume; denovirt attaches without a pod, so it is empty.",
    ),
    containerDiskVolume: z.looseObject({
      checksum: int64().optional(),
      imageID: z.string().optional().describe(
        "The image the containerDisk runs, by digest (registry/repository@sha256:...); " +
          "denovirt sets it.",
      ),
    }).optional(),
  })).optional(),
  machine: z.looseObject({ type: z.string().optional() }).optional(),
  currentCPUTopology: z.looseObject({
    cores: int32().optional(),
    sockets: int32().optional(),
    threads: int32().optional(),
  }).optional(),
  memory: z.looseObject({
    guestAtBoot: QuantitySchema.optional(),
    guestCurrent: QuantitySchema.optional(),
    guestRequested: QuantitySchema.optional(),
  }).optional(),
  selinuxContext: z.string().optional(),
  runtimeUser: int64().optional(),
  VSOCKCID: int64().optional(),
  fsFreezeStatus: z.string().optional(),
  virtualMachineRevisionName: z.string().optional(),
});
export type VirtualMachineInstanceStatus = z.infer<typeof VirtualMachineInstanceStatusSchema>;

export const VirtualMachineInstanceSchema = z.strictObject({
  apiVersion: KubeVirtApiVersionSchema,
  kind: z.literal("VirtualMachineInstance"),
  metadata: ObjectMetaSchema,
  spec: VirtualMachineInstanceSpecSchema.describe(
    "VirtualMachineInstance Spec contains the VirtualMachineInstance specification.",
  ),
  status: VirtualMachineInstanceStatusSchema.optional().describe(
    "Status is the high level overview of how the VirtualMachineInstance is doing.",
  ),
}).describe(
  "VirtualMachineInstance is the running state of a virtual machine in the cluster.",
);
export type VirtualMachineInstance = z.infer<typeof VirtualMachineInstanceSchema>;
