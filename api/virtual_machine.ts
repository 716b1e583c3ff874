// kubevirt.io/v1 VirtualMachine: a VMI template plus the desired running state.
import { z } from "zod";
import { DataVolumeSpecSchema } from "./data_volume.ts";
import {
  ConditionSchema,
  int32,
  int64,
  KubeVirtApiVersionSchema,
  ObjectMetaSchema,
  opaqueList,
  opaqueObject,
  StringMapSchema,
  TimeSchema,
} from "./meta.ts";
import { VirtualMachineInstanceTemplateSpecSchema } from "./vmi_spec.ts";

export const RUN_STRATEGIES = [
  "Always",
  "Halted",
  "Manual",
  "RerunOnFailure",
  "Once",
  "WaitAsReceiver",
] as const;
export type RunStrategy = (typeof RUN_STRATEGIES)[number];

/** KubeVirt's VirtualMachinePrintableStatus values (the STATUS column). */
export const VM_PRINTABLE_STATUSES = [
  "Stopped",
  "Provisioning",
  "Starting",
  "Running",
  "Paused",
  "Stopping",
  "Terminating",
  "CrashLoopBackOff",
  "Migrating",
  "Unknown",
  "ErrorUnschedulable",
  "ErrImagePull",
  "ImagePullBackOff",
  "ErrorPvcNotFound",
  "ErrorDataVolumeNotFound",
  "DataVolumeError",
  "WaitingForVolumeBinding",
  "WaitingForReceiver",
] as const;
export type VirtualMachinePrintableStatus = (typeof VM_PRINTABLE_STATUSES)[number];

export const STATE_CHANGE_ACTIONS = ["Start", "Stop"] as const;
export type StateChangeAction = (typeof STATE_CHANGE_ACTIONS)[number];

export const RUN_STRATEGY_DESCRIPTION =
  "Requested running state of the VirtualMachineInstance, mutually exclusive with running. " +
  'Allowed values: "Always": the VMI should always be running; "Halted": the VMI should never ' +
  'be running; "Manual": the VMI is started and stopped through the start, stop and restart ' +
  'API endpoints; "RerunOnFailure": the VMI starts running and is restarted if it fails, but ' +
  'not after it completes successfully; "Once": the VMI runs once and is not restarted upon ' +
  'completion, whether it failed or succeeded; "WaitAsReceiver": the VMI waits to receive a ' +
  "migration.";
export const RUNNING_DESCRIPTION =
  "Deprecated: use runStrategy instead. Whether the VirtualMachineInstance should be running " +
  "(true is runStrategy Always, false is Halted); mutually exclusive with runStrategy.";

/** A DataVolume created for the VM and tied to its lifecycle. */
export const DataVolumeTemplateSpecSchema = z.strictObject({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: ObjectMetaSchema.nullable().optional(),
  spec: DataVolumeSpecSchema.describe("DataVolumeSpec of the DataVolume to create."),
  status: opaqueObject().nullable().optional(),
});
export type DataVolumeTemplateSpec = z.infer<typeof DataVolumeTemplateSpecSchema>;

const MatcherSchema = z.strictObject({
  name: z.string().optional(),
  kind: z.string().optional(),
  revisionName: z.string().optional(),
  inferFromVolume: z.string().optional(),
  inferFromVolumeFailurePolicy: z.string().optional(),
});

export const VirtualMachineSpecSchema = z
  .strictObject({
    running: z.boolean().optional().describe(RUNNING_DESCRIPTION),
    runStrategy: z.enum(RUN_STRATEGIES).optional().describe(RUN_STRATEGY_DESCRIPTION),
    instancetype: MatcherSchema.optional(),
    preference: MatcherSchema.optional(),
    template: VirtualMachineInstanceTemplateSpecSchema.describe(
      "Template is the direct specification of the VirtualMachineInstance.",
    ),
    dataVolumeTemplates: z.array(DataVolumeTemplateSpecSchema).optional().describe(
      "DataVolumes created for this VM and tied to its lifecycle; volumes refer to them by name.",
    ),
    updateVolumesStrategy: z.enum(["Replacement", "Migration"]).optional(),
  })
  .superRefine((spec, ctx) => {
    if (spec.running !== undefined && spec.runStrategy !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["running"],
        message: "must not be set together with runStrategy (running is deprecated)",
      });
    }
  });
export type VirtualMachineSpec = z.infer<typeof VirtualMachineSpecSchema>;

export const StateChangeRequestSchema = z.looseObject({
  action: z.enum(STATE_CHANGE_ACTIONS),
  data: StringMapSchema.optional(),
  uid: z.string().optional().describe("UID of the VMI this request applies to, if any."),
});
export type StateChangeRequest = z.infer<typeof StateChangeRequestSchema>;

/** KubeVirt's InstancetypeStatusRef. */
export const InstancetypeStatusRefSchema = z.looseObject({
  name: z.string().optional(),
  kind: z.string().optional(),
  controllerRevisionRef: z.looseObject({ name: z.string().optional() }).optional(),
  inferFromVolume: z.string().optional(),
  inferFromVolumeFailurePolicy: z.string().optional(),
});

export const VirtualMachineStatusSchema = z.looseObject({
  created: z.boolean().optional().describe("Whether the VMI exists in the cluster."),
  ready: z.boolean().optional().describe("Whether the VMI is running and ready."),
  printableStatus: z.enum(VM_PRINTABLE_STATUSES).optional().describe(
    "Human readable, high-level status of the virtual machine.",
  ),
  runStrategy: z.enum(RUN_STRATEGIES).optional(),
  conditions: z.array(ConditionSchema).optional(),
  stateChangeRequests: z.array(StateChangeRequestSchema).optional(),
  volumeRequests: opaqueList().optional(),
  volumeSnapshotStatuses: z.array(z.looseObject({
    name: z.string(),
    enabled: z.boolean(),
    reason: z.string().optional(),
  })).optional(),
  startFailure: z.looseObject({
    consecutiveFailCount: int32().optional(),
    lastFailedVMIUID: z.string().optional(),
    retryAfterTimestamp: TimeSchema.optional(),
  }).nullable().optional(),
  observedGeneration: int64().optional(),
  desiredGeneration: int64().optional(),
  snapshotInProgress: z.string().optional(),
  restoreInProgress: z.string().optional(),
  memoryDumpRequest: opaqueObject().nullable().optional(),
  instancetypeRef: InstancetypeStatusRefSchema.nullable().optional().describe(
    "The instance type the VM uses and the ControllerRevision that froze it.",
  ),
  preferenceRef: InstancetypeStatusRefSchema.nullable().optional().describe(
    "The preference the VM uses and the ControllerRevision that froze it.",
  ),
  volumeUpdateState: opaqueObject().optional(),
});
export type VirtualMachineStatus = z.infer<typeof VirtualMachineStatusSchema>;

export const VirtualMachineSchema = z.strictObject({
  apiVersion: KubeVirtApiVersionSchema,
  kind: z.literal("VirtualMachine"),
  metadata: ObjectMetaSchema,
  spec: VirtualMachineSpecSchema.describe(
    "Spec contains the specification of the VirtualMachineInstance created.",
  ),
  status: VirtualMachineStatusSchema.optional().describe(
    "Current state of the VirtualMachine and brief information about its VMI.",
  ),
}).describe(
  "VirtualMachine holds the template of a VirtualMachineInstance and whether it should run; " +
    "it mirrors the state of the VMI in its status.",
);
export type VirtualMachine = z.infer<typeof VirtualMachineSchema>;
