// The kinds denovirt serves: names, versions and printer columns of their CRDs, as KubeVirt
// and CDI declare them.
import type { z } from "zod";
import { DataVolumeSchema } from "./data_volume.ts";
import { CDI_GROUP, CDI_VERSION, KUBEVIRT_GROUP, KUBEVIRT_VERSION } from "./meta.ts";
import { VirtualMachineInstanceMigrationSchema } from "./migration.ts";
import { VirtualMachineInstanceReplicaSetSchema } from "./replica_set.ts";
import { VirtualMachineSchema } from "./virtual_machine.ts";
import { VirtualMachineInstanceSchema } from "./virtual_machine_instance.ts";
import { INSTANCETYPE_KINDS_INFO } from "./instancetype_kinds.ts";
import { POOL_KIND_INFO } from "./pool.ts";
import { POLICY_KINDS_INFO } from "./policy.ts";

export interface PrinterColumn {
  name: string;
  type: "string" | "integer" | "number" | "boolean" | "date";
  jsonPath: string;
  description?: string;
  priority?: number;
}

export interface ServedVersion {
  name: string;
  storage: boolean;
  deprecationWarning?: string;
}

export interface KindInfo {
  group: string;
  kind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  categories: string[];
  versions: ServedVersion[];
  schema: z.ZodType;
  printerColumns: PrinterColumn[];
  /** Cluster-scoped kinds; the rest are namespaced. */
  scope?: "Cluster";
  /** The scale subresource, for kinds that `kubectl scale` can resize. */
  scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath: string };
}

const kubevirtVersions: ServedVersion[] = [
  { name: KUBEVIRT_VERSION, storage: true },
  {
    name: "v1alpha3",
    storage: false,
    deprecationWarning: "kubevirt.io/v1alpha3 is now deprecated and will be removed in a future " +
      "release.",
  },
];

const age: PrinterColumn = { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" };
const ready: PrinterColumn = {
  name: "Ready",
  type: "string",
  jsonPath: ".status.conditions[?(@.type=='Ready')].status",
};

/** Every kind denovirt serves, in a fixed order. */
export const KINDS: readonly KindInfo[] = [
  {
    group: KUBEVIRT_GROUP,
    kind: "VirtualMachine",
    plural: "virtualmachines",
    singular: "virtualmachine",
    shortNames: ["vm", "vms"],
    categories: ["all"],
    versions: kubevirtVersions,
    schema: VirtualMachineSchema,
    printerColumns: [
      age,
      {
        name: "Status",
        type: "string",
        jsonPath: ".status.printableStatus",
        description: "Human Readable Status",
      },
      ready,
    ],
  },
  {
    group: KUBEVIRT_GROUP,
    kind: "VirtualMachineInstance",
    plural: "virtualmachineinstances",
    singular: "virtualmachineinstance",
    shortNames: ["vmi", "vmis"],
    categories: ["all"],
    versions: kubevirtVersions,
    schema: VirtualMachineInstanceSchema,
    printerColumns: [
      age,
      { name: "Phase", type: "string", jsonPath: ".status.phase" },
      { name: "IP", type: "string", jsonPath: ".status.interfaces[0].ipAddress" },
      { name: "NodeName", type: "string", jsonPath: ".status.nodeName" },
      ready,
    ],
  },
  {
    group: KUBEVIRT_GROUP,
    kind: "VirtualMachineInstanceMigration",
    plural: "virtualmachineinstancemigrations",
    singular: "virtualmachineinstancemigration",
    shortNames: ["vmim", "vmims"],
    categories: ["all"],
    versions: kubevirtVersions,
    schema: VirtualMachineInstanceMigrationSchema,
    printerColumns: [
      { name: "Phase", type: "string", jsonPath: ".status.phase" },
      { name: "VMI", type: "string", jsonPath: ".spec.vmiName" },
    ],
  },
  {
    group: KUBEVIRT_GROUP,
    kind: "VirtualMachineInstanceReplicaSet",
    plural: "virtualmachineinstancereplicasets",
    singular: "virtualmachineinstancereplicaset",
    shortNames: ["vmirs", "vmirss"],
    categories: ["all"],
    versions: kubevirtVersions,
    schema: VirtualMachineInstanceReplicaSetSchema,
    printerColumns: [
      {
        name: "Desired",
        type: "integer",
        jsonPath: ".spec.replicas",
        description: "Number of desired VirtualMachineInstances",
      },
      {
        name: "Current",
        type: "integer",
        jsonPath: ".status.replicas",
        description: "Number of managed and not final or deleted VirtualMachineInstances",
      },
      {
        name: "Ready",
        type: "integer",
        jsonPath: ".status.readyReplicas",
        description: "Number of managed VirtualMachineInstances which are ready to receive traffic",
      },
      age,
    ],
    scale: {
      specReplicasPath: ".spec.replicas",
      statusReplicasPath: ".status.replicas",
      labelSelectorPath: ".status.labelSelector",
    },
  },
  {
    group: CDI_GROUP,
    kind: "DataVolume",
    plural: "datavolumes",
    singular: "datavolume",
    shortNames: ["dv", "dvs"],
    categories: ["all"],
    versions: [{ name: CDI_VERSION, storage: true }],
    schema: DataVolumeSchema,
    printerColumns: [
      {
        name: "Phase",
        type: "string",
        jsonPath: ".status.phase",
        description: "The phase the data volume is in",
      },
      {
        name: "Progress",
        type: "string",
        jsonPath: ".status.progress",
        description: "Transfer progress in percentage if known, N/A otherwise",
      },
      {
        name: "Restarts",
        type: "integer",
        jsonPath: ".status.restartCount",
        description: "The number of times the transfer has been restarted.",
      },
      age,
    ],
  },
  ...INSTANCETYPE_KINDS_INFO,
  POOL_KIND_INFO,
  ...POLICY_KINDS_INFO,
];

/** The KindInfo for a kind name such as "VirtualMachine". */
export function kindInfo(kind: string): KindInfo | undefined {
  return KINDS.find((k) => k.kind === kind);
}
