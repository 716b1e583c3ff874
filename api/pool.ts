// pool.kubevirt.io/v1alpha1 VirtualMachinePool: N VirtualMachines from one template, named
// `<pool>-<index>`, scaled by `kubectl scale` or an autoscaler.
import { z } from "zod";
import { LabelSelectorSchema } from "./core.ts";
import { ConditionSchema, int32, ObjectMetaSchema, opaqueObject } from "./meta.ts";
import type { KindInfo } from "./kinds.ts";
import { VirtualMachineSpecSchema } from "./virtual_machine.ts";

export const POOL_GROUP = "pool.kubevirt.io";
export const POOL_VERSION = "v1alpha1";
export const POOL_API_VERSION = "pool.kubevirt.io/v1alpha1";
export const VM_POOL_KIND = "VirtualMachinePool";

export const VirtualMachinePoolSpecSchema = z.strictObject({
  replicas: int32().min(0).optional().describe("Number of desired VMs; defaults to 1."),
  selector: LabelSelectorSchema.describe(
    "Label selector for the VMs; it must match the template's labels.",
  ),
  virtualMachineTemplate: z.strictObject({
    metadata: ObjectMetaSchema.nullable().optional(),
    spec: VirtualMachineSpecSchema.describe("VirtualMachineSpec of the VMs to create."),
  }).describe("Template of the VMs the pool creates."),
  paused: z.boolean().optional().describe("Whether the pool is paused."),
  nameGeneration: opaqueObject().optional(),
  maxUnavailable: z.unknown().optional(),
  scaleInStrategy: opaqueObject().optional(),
  updateStrategy: opaqueObject().optional(),
});
export type VirtualMachinePoolSpec = z.infer<typeof VirtualMachinePoolSpecSchema>;

export const VirtualMachinePoolStatusSchema = z.looseObject({
  replicas: int32().optional().describe("Number of the pool's VMs not being deleted."),
  readyReplicas: int32().optional().describe("Number of the pool's VMs that are ready."),
  conditions: z.array(ConditionSchema).optional(),
  labelSelector: z.string().optional().describe(
    "Canonical form of the label selector, for the scale subresource.",
  ),
});
export type VirtualMachinePoolStatus = z.infer<typeof VirtualMachinePoolStatusSchema>;

export const VirtualMachinePoolSchema = z.strictObject({
  apiVersion: z.literal(POOL_API_VERSION),
  kind: z.literal(VM_POOL_KIND),
  metadata: ObjectMetaSchema,
  spec: VirtualMachinePoolSpecSchema,
  status: VirtualMachinePoolStatusSchema.nullable().optional(),
}).describe("VirtualMachinePool keeps a number of VirtualMachines made from one template.");
export type VirtualMachinePool = z.infer<typeof VirtualMachinePoolSchema>;

/** The pool CRD: KubeVirt's names, columns and scale subresource. */
export const POOL_KIND_INFO: KindInfo = {
  group: POOL_GROUP,
  kind: VM_POOL_KIND,
  plural: "virtualmachinepools",
  singular: "virtualmachinepool",
  shortNames: ["vmpool", "vmpools"],
  categories: ["all"],
  versions: [{ name: POOL_VERSION, storage: true }],
  schema: VirtualMachinePoolSchema,
  printerColumns: [
    {
      name: "Desired",
      type: "integer",
      jsonPath: ".spec.replicas",
      description: "Number of desired VirtualMachines",
    },
    {
      name: "Current",
      type: "integer",
      jsonPath: ".status.replicas",
      description: "Number of managed and not final or deleted VirtualMachines",
    },
    {
      name: "Ready",
      type: "integer",
      jsonPath: ".status.readyReplicas",
      description: "Number of managed VirtualMachines which are ready to receive traffic",
    },
    { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
  ],
  scale: {
    specReplicasPath: ".spec.replicas",
    statusReplicasPath: ".status.replicas",
    labelSelectorPath: ".status.labelSelector",
  },
};

/** Fields of a pool's spec denovirt cannot honour. */
export const UNSUPPORTED_POOL_SPEC_FIELDS = [
  { path: ["nameGeneration"], why: "VMs are named <pool>-<index>" },
  { path: ["maxUnavailable"], why: "no rolling updates of pool VMs" },
  { path: ["scaleInStrategy"], why: "scale-in removes the highest index" },
  { path: ["updateStrategy"], why: "no rolling updates of pool VMs" },
] as const;
