/** Resource descriptors: what the REST client needs to build a URL for a kind. */

/** One API resource (a kind as served at a group/version/plural). */
export interface Resource {
  group: string;
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
}

/** The apiVersion of a resource's objects: `v1` for the core group, else `group/version`. */
export function apiVersionOf(resource: Resource): string {
  return resource.group ? `${resource.group}/${resource.version}` : resource.version;
}

/** A short human name for logs and errors: `virtualmachines.kubevirt.io`. */
export function resourceName(resource: Resource): string {
  return resource.group ? `${resource.plural}.${resource.group}` : resource.plural;
}

const core = (plural: string, kind: string, namespaced = true): Resource => ({
  group: "",
  version: "v1",
  plural,
  kind,
  namespaced,
});
const kubevirt = (plural: string, kind: string): Resource => ({
  group: "kubevirt.io",
  version: "v1",
  plural,
  kind,
  namespaced: true,
});

/** core/v1 Pods. */
export const pods = core("pods", "Pod");
/** core/v1 Nodes. */
export const nodes = core("nodes", "Node", false);
/** core/v1 Events. */
export const events = core("events", "Event");
/** core/v1 Namespaces. */
export const namespaces = core("namespaces", "Namespace", false);
/** core/v1 ConfigMaps. */
export const configMaps = core("configmaps", "ConfigMap");
/** core/v1 Services. */
export const services = core("services", "Service");
/** core/v1 Secrets. */
export const secrets = core("secrets", "Secret");
/** core/v1 PersistentVolumeClaims. */
export const persistentVolumeClaims = core("persistentvolumeclaims", "PersistentVolumeClaim");
/** core/v1 PersistentVolumes. */
export const persistentVolumes = core("persistentvolumes", "PersistentVolume", false);
/** coordination.k8s.io/v1 Leases. */
export const leases: Resource = {
  group: "coordination.k8s.io",
  version: "v1",
  plural: "leases",
  kind: "Lease",
  namespaced: true,
};
/** storage.k8s.io/v1 StorageClasses. */
export const storageClasses: Resource = {
  group: "storage.k8s.io",
  version: "v1",
  plural: "storageclasses",
  kind: "StorageClass",
  namespaced: false,
};
/** kubevirt.io/v1 VirtualMachines. */
export const virtualMachines = kubevirt("virtualmachines", "VirtualMachine");
/** kubevirt.io/v1 VirtualMachineInstances. */
export const virtualMachineInstances = kubevirt(
  "virtualmachineinstances",
  "VirtualMachineInstance",
);
/** kubevirt.io/v1 VirtualMachineInstanceMigrations. */
export const virtualMachineInstanceMigrations = kubevirt(
  "virtualmachineinstancemigrations",
  "VirtualMachineInstanceMigration",
);
/** kubevirt.io/v1 VirtualMachineInstanceReplicaSets. */
export const virtualMachineInstanceReplicaSets = kubevirt(
  "virtualmachineinstancereplicasets",
  "VirtualMachineInstanceReplicaSet",
);
/** cdi.kubevirt.io/v1beta1 DataVolumes. */
export const dataVolumes: Resource = {
  group: "cdi.kubevirt.io",
  version: "v1beta1",
  plural: "datavolumes",
  kind: "DataVolume",
  namespaced: true,
};

const instancetype = (plural: string, kind: string, namespaced: boolean): Resource => ({
  group: "instancetype.kubevirt.io",
  version: "v1beta1",
  plural,
  kind,
  namespaced,
});
/** instancetype.kubevirt.io/v1beta1 VirtualMachineInstancetypes. */
export const virtualMachineInstancetypes = instancetype(
  "virtualmachineinstancetypes",
  "VirtualMachineInstancetype",
  true,
);
/** instancetype.kubevirt.io/v1beta1 VirtualMachineClusterInstancetypes. */
export const virtualMachineClusterInstancetypes = instancetype(
  "virtualmachineclusterinstancetypes",
  "VirtualMachineClusterInstancetype",
  false,
);
/** instancetype.kubevirt.io/v1beta1 VirtualMachinePreferences. */
export const virtualMachinePreferences = instancetype(
  "virtualmachinepreferences",
  "VirtualMachinePreference",
  true,
);
/** instancetype.kubevirt.io/v1beta1 VirtualMachineClusterPreferences. */
export const virtualMachineClusterPreferences = instancetype(
  "virtualmachineclusterpreferences",
  "VirtualMachineClusterPreference",
  false,
);
/** pool.kubevirt.io/v1alpha1 VirtualMachinePools. */
export const virtualMachinePools: Resource = {
  group: "pool.kubevirt.io",
  version: "v1alpha1",
  plural: "virtualmachinepools",
  kind: "VirtualMachinePool",
  namespaced: true,
};
/** apps/v1 ControllerRevisions. */
export const controllerRevisions: Resource = {
  group: "apps",
  version: "v1",
  plural: "controllerrevisions",
  kind: "ControllerRevision",
  namespaced: true,
};

/** Where a resource lives: `/api/v1/namespaces/ns/pods/name/status`. */
export function pathOf(
  resource: Resource,
  at: { namespace?: string | undefined; name?: string | undefined; subresource?: string },
): string {
  const root = resource.group
    ? `/apis/${resource.group}/${resource.version}`
    : `/api/${resource.version}`;
  const parts = [root];
  if (resource.namespaced && at.namespace) {
    parts.push("namespaces", encodeURIComponent(at.namespace));
  }
  parts.push(resource.plural);
  if (at.name !== undefined) parts.push(encodeURIComponent(at.name));
  if (at.subresource) parts.push(at.subresource);
  return parts.join("/");
}
/** policy.denovirt.io/v1alpha1 VirtualMachineClusterPolicies. */
export const virtualMachineClusterPolicies: Resource = {
  group: "policy.denovirt.io",
  version: "v1alpha1",
  plural: "virtualmachineclusterpolicies",
  kind: "VirtualMachineClusterPolicy",
  namespaced: false,
};
/** policy.denovirt.io/v1alpha1 VirtualMachinePolicies. */
export const virtualMachinePolicies: Resource = {
  group: "policy.denovirt.io",
  version: "v1alpha1",
  plural: "virtualmachinepolicies",
  kind: "VirtualMachinePolicy",
  namespaced: true,
};
