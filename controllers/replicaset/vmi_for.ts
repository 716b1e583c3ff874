/** The VMIs of a replica set: made from its template, controlled by it (KubeVirt's scale-up). */
import {
  KUBEVIRT_API_VERSION,
  type OwnerReference,
  type VMI,
  VMI_FINALIZER,
  VMI_KIND,
  type VMIRS,
  VMIRS_KIND,
} from "../../api/mod.ts";
import type { KubeObject, OwnerReference as ObjectOwnerReference } from "../../lib/kube/object.ts";
import { editFinalizers } from "../writes.ts";

/** The controller reference of a VMI to its replica set. */
export function replicaSetOwnerReference(rs: VMIRS): OwnerReference {
  return {
    apiVersion: KUBEVIRT_API_VERSION,
    kind: VMIRS_KIND,
    name: rs.metadata.name ?? "",
    uid: rs.metadata.uid ?? "",
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** The controller reference of `obj`, whoever it names. */
export function controllerRefOf(obj: KubeObject): ObjectOwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((ref) => ref.controller === true);
}

/** Whether `vmi` is controlled by `rs` (same UID). */
export function isControlledBy(vmi: KubeObject, rs: VMIRS): boolean {
  const ref = controllerRefOf(vmi);
  return ref?.kind === VMIRS_KIND && ref.uid === rs.metadata.uid;
}

/**
 * The prefix the API server completes with 5 random characters: the template's name or
 * generateName if it has one, else the replica set's name, without a separator (as KubeVirt).
 */
export function baseNameOf(rs: VMIRS): string {
  const meta = rs.spec.template.metadata;
  return meta?.name || meta?.generateName || (rs.metadata.name ?? "");
}

/** A new VMI of `rs`: the template's labels, annotations and spec; the API server names it. */
export function vmiFor(rs: VMIRS): VMI {
  const meta = rs.spec.template.metadata;
  return {
    apiVersion: KUBEVIRT_API_VERSION,
    kind: VMI_KIND,
    metadata: {
      generateName: baseNameOf(rs),
      namespace: rs.metadata.namespace,
      ...(meta?.labels ? { labels: { ...meta.labels } } : {}),
      ...(meta?.annotations ? { annotations: { ...meta.annotations } } : {}),
      ownerReferences: [replicaSetOwnerReference(rs)],
      // The VMI controller's (KubeVirt's webhook adds it): the launcher pod goes first.
      finalizers: editFinalizers(meta?.finalizers, [VMI_FINALIZER]),
    },
    spec: structuredClone(rs.spec.template.spec),
  };
}
