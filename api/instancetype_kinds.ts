// The CRDs of instancetype.kubevirt.io: names, short names and scope as KubeVirt declares them.
import type { KindInfo } from "./kinds.ts";
import {
  INSTANCETYPE_GROUP,
  INSTANCETYPE_VERSION,
  VirtualMachineClusterInstancetypeSchema,
  VirtualMachineClusterPreferenceSchema,
  VirtualMachineInstancetypeSchema,
  VirtualMachinePreferenceSchema,
} from "./instancetype.ts";

const versions = [{ name: INSTANCETYPE_VERSION, storage: true }];
const ageColumn = {
  name: "Age",
  type: "date" as const,
  jsonPath: ".metadata.creationTimestamp",
};

/** The four kinds of instancetype.kubevirt.io. */
export const INSTANCETYPE_KINDS_INFO: readonly KindInfo[] = [
  {
    group: INSTANCETYPE_GROUP,
    kind: "VirtualMachineInstancetype",
    plural: "virtualmachineinstancetypes",
    singular: "virtualmachineinstancetype",
    shortNames: ["vminstancetype", "vminstancetypes", "vmf", "vmfs"],
    categories: ["all"],
    versions,
    schema: VirtualMachineInstancetypeSchema,
    printerColumns: [ageColumn],
  },
  {
    group: INSTANCETYPE_GROUP,
    kind: "VirtualMachineClusterInstancetype",
    plural: "virtualmachineclusterinstancetypes",
    singular: "virtualmachineclusterinstancetype",
    shortNames: ["vmclusterinstancetype", "vmclusterinstancetypes", "vmcf", "vmcfs"],
    categories: [],
    versions,
    schema: VirtualMachineClusterInstancetypeSchema,
    printerColumns: [ageColumn],
    scope: "Cluster",
  },
  {
    group: INSTANCETYPE_GROUP,
    kind: "VirtualMachinePreference",
    plural: "virtualmachinepreferences",
    singular: "virtualmachinepreference",
    shortNames: ["vmpref", "vmprefs", "vmp", "vmps", "vmpreference", "vmpreferences"],
    categories: ["all"],
    versions,
    schema: VirtualMachinePreferenceSchema,
    printerColumns: [ageColumn],
  },
  {
    group: INSTANCETYPE_GROUP,
    kind: "VirtualMachineClusterPreference",
    plural: "virtualmachineclusterpreferences",
    singular: "virtualmachineclusterpreference",
    shortNames: ["vmcp", "vmcps", "vmclusterpreference", "vmclusterpreferences"],
    categories: [],
    versions,
    schema: VirtualMachineClusterPreferenceSchema,
    printerColumns: [ageColumn],
    scope: "Cluster",
  },
];
