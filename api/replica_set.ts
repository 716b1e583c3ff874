// kubevirt.io/v1 VirtualMachineInstanceReplicaSet: N identical VMIs from one template.
import { z } from "zod";
import { LabelSelectorSchema } from "./core.ts";
import { ConditionSchema, int32, KubeVirtApiVersionSchema, ObjectMetaSchema } from "./meta.ts";
import { VirtualMachineInstanceTemplateSpecSchema } from "./vmi_spec.ts";

export const VirtualMachineInstanceReplicaSetSpecSchema = z.strictObject({
  replicas: int32().min(0).optional().describe("Number of desired VMIs; defaults to 1."),
  selector: LabelSelectorSchema.describe(
    "Label selector for the VMIs; it must match the template's labels.",
  ),
  template: VirtualMachineInstanceTemplateSpecSchema.describe(
    "Template of the VMIs that will be created.",
  ),
  paused: z.boolean().optional().describe("Whether the replica set is paused."),
});
export type VirtualMachineInstanceReplicaSetSpec = z.infer<
  typeof VirtualMachineInstanceReplicaSetSpecSchema
>;

export const VirtualMachineInstanceReplicaSetStatusSchema = z.looseObject({
  replicas: int32().optional().describe("Number of non-terminated VMIs the selector matches."),
  readyReplicas: int32().optional().describe("Number of ready VMIs."),
  conditions: z.array(ConditionSchema).optional(),
  labelSelector: z.string().optional().describe(
    "Canonical form of the label selector, for the scale subresource.",
  ),
});
export type VirtualMachineInstanceReplicaSetStatus = z.infer<
  typeof VirtualMachineInstanceReplicaSetStatusSchema
>;

export const VirtualMachineInstanceReplicaSetSchema = z.strictObject({
  apiVersion: KubeVirtApiVersionSchema,
  kind: z.literal("VirtualMachineInstanceReplicaSet"),
  metadata: ObjectMetaSchema,
  spec: VirtualMachineInstanceReplicaSetSpecSchema,
  status: VirtualMachineInstanceReplicaSetStatusSchema.nullable().optional(),
}).describe(
  "VirtualMachineInstanceReplicaSet keeps a number of VMIs made from one template running.",
);
export type VirtualMachineInstanceReplicaSet = z.infer<
  typeof VirtualMachineInstanceReplicaSetSchema
>;
