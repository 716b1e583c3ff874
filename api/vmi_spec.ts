// kubevirt.io/v1 VirtualMachineInstanceSpec, shared by VMIs, VM templates and replica sets.
import { z } from "zod";
import { AffinitySchema, TolerationSchema } from "./core.ts";
import { DomainSpecSchema } from "./domain.ts";
import { int64, ObjectMetaSchema, opaqueList, opaqueObject, StringMapSchema } from "./meta.ts";
import { NetworkSchema, VolumeSchema } from "./volumes.ts";

export const EVICTION_STRATEGIES = [
  "None",
  "LiveMigrate",
  "LiveMigrateIfPossible",
  "External",
] as const;
export type EvictionStrategy = (typeof EVICTION_STRATEGIES)[number];

export const DNS_POLICIES = ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"] as const;

export const VirtualMachineInstanceSpecSchema = z.strictObject({
  domain: DomainSpecSchema.describe(
    "Specification of the desired behavior of the VirtualMachineInstance on the host.",
  ),
  volumes: z.array(VolumeSchema).max(256).optional().describe(
    "Volumes that can be mounted by disks belonging to the VMI.",
  ),
  networks: z.array(NetworkSchema).max(256).optional().describe(
    "Networks that can be attached to the VM's interfaces.",
  ),
  nodeSelector: StringMapSchema.optional().describe(
    "Labels a node must have for the VMI to be scheduled on it.",
  ),
  affinity: AffinitySchema.optional(),
  tolerations: z.array(TolerationSchema).optional(),
  topologySpreadConstraints: opaqueList().optional(),
  priorityClassName: z.string().optional().describe("Priority class of the VMI's pod."),
  schedulerName: z.string().optional(),
  serviceAccountName: z.string().optional(),
  terminationGracePeriodSeconds: int64().min(0).optional().describe(
    "Grace period after signalling the VMI to stop, after which it is force terminated.",
  ),
  evictionStrategy: z.enum(EVICTION_STRATEGIES).optional().describe(
    "What to do when the node is drained: None, LiveMigrate, LiveMigrateIfPossible or External.",
  ),
  startStrategy: z.enum(["Paused"]).optional().describe(
    "Paused starts the VMI in the paused state.",
  ),
  hostname: z.string().optional().describe("Hostname of the VMI; defaults to its name."),
  subdomain: z.string().optional(),
  dnsPolicy: z.enum(DNS_POLICIES).optional(),
  dnsConfig: opaqueObject().optional(),
  livenessProbe: opaqueObject().optional(),
  readinessProbe: opaqueObject().optional(),
  accessCredentials: opaqueList().optional(),
  architecture: z.string().optional(),
  resourceClaims: opaqueList().optional(),
  utilityVolumes: opaqueList().optional(),
});
export type VirtualMachineInstanceSpec = z.infer<typeof VirtualMachineInstanceSpecSchema>;

/** A VMI template (`spec.template` of VMs and replica sets). */
export const VirtualMachineInstanceTemplateSpecSchema = z.strictObject({
  metadata: ObjectMetaSchema.nullable().optional(),
  spec: VirtualMachineInstanceSpecSchema,
});
export type VirtualMachineInstanceTemplateSpec = z.infer<
  typeof VirtualMachineInstanceTemplateSpecSchema
>;
