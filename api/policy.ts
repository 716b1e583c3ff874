// policy.denovirt.io/v1alpha1: what VMs may use, per cluster (VirtualMachineClusterPolicy, with a
// namespaceSelector) and per namespace (VirtualMachinePolicy). The webhooks enforce them.
import { z } from "zod";
import { LabelSelectorSchema } from "./core.ts";
import { INTERFACE_BINDINGS } from "./devices.ts";
import type { KindInfo } from "./kinds.ts";
import { int32, ObjectMetaSchema } from "./meta.ts";
import { QuantitySchema } from "./quantity.ts";
import { VOLUME_SOURCES } from "./volumes.ts";

export const POLICY_GROUP = "policy.denovirt.io";
export const POLICY_VERSION = "v1alpha1";
export const POLICY_API_VERSION = "policy.denovirt.io/v1alpha1";
export const CLUSTER_POLICY_KIND = "VirtualMachineClusterPolicy";
export const NAMESPACED_POLICY_KIND = "VirtualMachinePolicy";

/** Strictest first: Enforce refuses, Warn admits with a warning, Audit admits and records. */
export const POLICY_MODES = ["Enforce", "Warn", "Audit"] as const;
export type PolicyMode = (typeof POLICY_MODES)[number];

export const PolicyRulesSchema = z.strictObject({
  maxGuestMemory: QuantitySchema.optional().describe(
    "Largest guest memory a VM may have, after instance types and defaults.",
  ),
  maxVCPUs: int32().min(1).optional().describe(
    "Most vCPUs (sockets x cores x threads) a VM may have, after instance types and defaults.",
  ),
  allowedImageRegistries: z.array(z.string()).optional().describe(
    "Where containerDisk images and docker:// sources may come from: host[:port][/repo-prefix], " +
      "with * as the port or a trailing path wildcard.",
  ),
  allowedImportHosts: z.array(z.string()).optional().describe(
    "Hosts (host[:port], * as the port) that http and https DataVolume sources may import from.",
  ),
  forbiddenVolumeTypes: z.array(z.enum(VOLUME_SOURCES)).optional().describe(
    "Volume sources VMs may not use (hostDisk, emptyDisk, ...).",
  ),
  allowedHostDiskDirs: z.array(z.string()).optional().describe(
    "Directories (absolute) that hostDisk volumes may use, within those the nodes allow.",
  ),
  allowedStorageClasses: z.array(z.string()).optional().describe(
    "Storage classes DataVolumes may request.",
  ),
  requiredLabels: z.array(z.strictObject({
    key: z.string().min(1).describe("Label key every VM must carry."),
    values: z.array(z.string()).optional().describe("Values allowed; any value when absent."),
  })).optional().describe("Labels every VM must carry."),
  allowedNetworkBindings: z.array(z.enum(INTERFACE_BINDINGS)).optional().describe(
    "Interface binding methods VMs may use (masquerade, bridge, ...).",
  ),
}).describe("What VMs may use; an absent rule allows everything.");
export type PolicyRules = z.infer<typeof PolicyRulesSchema>;

const mode = z.enum(POLICY_MODES).describe(
  "Enforce refuses a violating object, Warn admits it with a warning, Audit admits it and " +
    "records an Event.",
);

export const PolicyStatusSchema = z.looseObject({
  violations: int32().optional().describe("Number of existing objects that violate the policy."),
  violators: z.array(z.string()).optional().describe("A few of them, as kind namespace/name."),
  observedGeneration: z.int().optional(),
});

export const ClusterPolicySchema = z.strictObject({
  apiVersion: z.literal(POLICY_API_VERSION),
  kind: z.literal(CLUSTER_POLICY_KIND),
  metadata: ObjectMetaSchema,
  spec: z.strictObject({
    mode,
    namespaceSelector: LabelSelectorSchema.optional().describe(
      "Namespaces the policy applies to; every namespace when absent.",
    ),
    rules: PolicyRulesSchema,
  }),
  status: PolicyStatusSchema.nullable().optional(),
}).describe("VirtualMachineClusterPolicy limits what VMs may use in the namespaces it selects.");
export type ClusterPolicy = z.infer<typeof ClusterPolicySchema>;

export const NamespacedPolicySchema = z.strictObject({
  apiVersion: z.literal(POLICY_API_VERSION),
  kind: z.literal(NAMESPACED_POLICY_KIND),
  metadata: ObjectMetaSchema,
  spec: z.strictObject({ mode, rules: PolicyRulesSchema }),
  status: PolicyStatusSchema.nullable().optional(),
}).describe("VirtualMachinePolicy limits what VMs may use in its namespace.");
export type NamespacedPolicy = z.infer<typeof NamespacedPolicySchema>;

/** Either kind of policy. */
export type Policy = ClusterPolicy | NamespacedPolicy;

const policyColumns: KindInfo["printerColumns"] = [
  { name: "Mode", type: "string", jsonPath: ".spec.mode" },
  {
    name: "Violations",
    type: "integer",
    jsonPath: ".status.violations",
    description: "Existing objects that violate the policy",
  },
  { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
];

/** The two policy CRDs. */
export const POLICY_KINDS_INFO: readonly KindInfo[] = [
  {
    group: POLICY_GROUP,
    kind: CLUSTER_POLICY_KIND,
    plural: "virtualmachineclusterpolicies",
    singular: "virtualmachineclusterpolicy",
    shortNames: ["vmclusterpolicy", "vmclusterpolicies"],
    categories: [],
    versions: [{ name: POLICY_VERSION, storage: true }],
    schema: ClusterPolicySchema,
    printerColumns: policyColumns,
    scope: "Cluster",
  },
  {
    group: POLICY_GROUP,
    kind: NAMESPACED_POLICY_KIND,
    plural: "virtualmachinepolicies",
    singular: "virtualmachinepolicy",
    shortNames: ["vmpolicy", "vmpolicies"],
    categories: [],
    versions: [{ name: POLICY_VERSION, storage: true }],
    schema: NamespacedPolicySchema,
    printerColumns: policyColumns,
  },
];
