// The ControllerRevisions that freeze what a VM's instance type and preference were when the VM
// first used them (KubeVirt's pkg/instancetype/revision): a later edit of the instance type does
// not change the VM until its revisionName is cleared.
import { VM_KIND } from "./contract.ts";
import {
  REVISION_OBJECT_GENERATION_LABEL,
  REVISION_OBJECT_KIND_LABEL,
  REVISION_OBJECT_NAME_LABEL,
  REVISION_OBJECT_UID_LABEL,
} from "./contract.ts";
import {
  INSTANCETYPE_VERSION,
  type InstancetypeObject,
  type InstancetypeSpec,
  type PreferenceSpec,
  VM_CLUSTER_INSTANCETYPE_KIND,
  VM_CLUSTER_PREFERENCE_KIND,
  VM_INSTANCETYPE_KIND,
  VM_PREFERENCE_KIND,
} from "./instancetype.ts";
import { KUBEVIRT_API_VERSION, type ObjectMeta } from "./meta.ts";
import type { VirtualMachine } from "./virtual_machine.ts";

/** `spec.instancetype` or `spec.preference`. */
export type MatcherField = "instancetype" | "preference";

/** What a VM's matcher points at: the kind (defaulted), name, and whether it is cluster-wide. */
export interface MatcherTarget {
  field: MatcherField;
  kind: string;
  name: string;
  cluster: boolean;
  revisionName?: string;
}

/** KubeVirt accepts the kinds in any case and by their plural and singular resource names. */
const KIND_ALIASES: Record<MatcherField, Record<string, string>> = {
  instancetype: {
    virtualmachineinstancetype: VM_INSTANCETYPE_KIND,
    virtualmachineinstancetypes: VM_INSTANCETYPE_KIND,
    virtualmachineclusterinstancetype: VM_CLUSTER_INSTANCETYPE_KIND,
    virtualmachineclusterinstancetypes: VM_CLUSTER_INSTANCETYPE_KIND,
  },
  preference: {
    virtualmachinepreference: VM_PREFERENCE_KIND,
    virtualmachinepreferences: VM_PREFERENCE_KIND,
    virtualmachineclusterpreference: VM_CLUSTER_PREFERENCE_KIND,
    virtualmachineclusterpreferences: VM_CLUSTER_PREFERENCE_KIND,
  },
};
const DEFAULT_KIND: Record<MatcherField, string> = {
  instancetype: VM_CLUSTER_INSTANCETYPE_KIND,
  preference: VM_CLUSTER_PREFERENCE_KIND,
};

/** The kind a matcher names (cluster-wide by default), or undefined for a kind there is not. */
export function matcherKind(field: MatcherField, kind: string | undefined): string | undefined {
  if (!kind) return DEFAULT_KIND[field];
  return KIND_ALIASES[field][kind.toLowerCase()];
}

/** The target of the VM's `spec.<field>`, when it names one of a known kind. */
export function matcherTarget(vm: VirtualMachine, field: MatcherField): MatcherTarget | undefined {
  const matcher = vm.spec[field];
  const kind = matcherKind(field, matcher?.kind);
  if (!matcher?.name || !kind) return undefined;
  return {
    field,
    kind,
    name: matcher.name,
    cluster: kind === VM_CLUSTER_INSTANCETYPE_KIND || kind === VM_CLUSTER_PREFERENCE_KIND,
    ...(matcher.revisionName ? { revisionName: matcher.revisionName } : {}),
  };
}

/** KubeVirt's name for the revision of `object` that `vm` uses. */
export function revisionNameFor(vm: VirtualMachine, object: InstancetypeObject): string {
  const meta = object.metadata;
  return `${vm.metadata.name}-${meta.name}-${INSTANCETYPE_VERSION}-${meta.uid}-${
    meta.generation ?? 0
  }`;
}

/** A ControllerRevision (apps/v1). */
export interface ControllerRevision {
  apiVersion: "apps/v1";
  kind: "ControllerRevision";
  metadata: ObjectMeta;
  data: InstancetypeObject;
  revision: number;
}

/** The revision that freezes `object` for `vm`, owned by the VM. */
export function revisionFor(vm: VirtualMachine, object: InstancetypeObject): ControllerRevision {
  const meta = object.metadata;
  return {
    apiVersion: "apps/v1",
    kind: "ControllerRevision",
    metadata: {
      name: revisionNameFor(vm, object),
      namespace: vm.metadata.namespace,
      labels: {
        [REVISION_OBJECT_NAME_LABEL]: meta.name ?? "",
        [REVISION_OBJECT_KIND_LABEL]: object.kind,
        [REVISION_OBJECT_UID_LABEL]: meta.uid ?? "",
        [REVISION_OBJECT_GENERATION_LABEL]: String(meta.generation ?? 0),
      },
      ownerReferences: [{
        apiVersion: KUBEVIRT_API_VERSION,
        kind: VM_KIND,
        name: vm.metadata.name ?? "",
        uid: vm.metadata.uid ?? "",
        controller: true,
        blockOwnerDeletion: true,
      }],
    },
    data: {
      apiVersion: object.apiVersion,
      kind: object.kind,
      metadata: {
        name: meta.name,
        ...(meta.namespace ? { namespace: meta.namespace } : {}),
        uid: meta.uid,
        generation: meta.generation,
      },
      spec: structuredClone(object.spec),
    },
    revision: 0,
  };
}

/** The instance type and preference specs a VM expands with. */
export interface MatchedSpecs {
  instancetype?: InstancetypeSpec;
  preference?: PreferenceSpec;
}
