/** The VMI of a VM with an instance type or preference: its template expanded with both. */
import {
  CLUSTER_INSTANCETYPE_NAME_ANNOTATION,
  CLUSTER_PREFERENCE_NAME_ANNOTATION,
  INSTANCETYPE_NAME_ANNOTATION,
  PREFERENCE_NAME_ANNOTATION,
} from "../../api/contract.ts";
import { conflictMessage, expandInstancetype } from "../../api/instancetype_apply.ts";
import { type MatchedSpecs, matcherTarget } from "../../api/instancetype_revision.ts";
import type { VM, VMI } from "../../api/objects.ts";

/** Why a VM's template cannot take its instance type: the conflicting fields, KubeVirt's words. */
export class InstancetypeConflictError extends Error {
  constructor(readonly fields: string[]) {
    super(conflictMessage(fields.join(", ")));
  }
}

/** `vmi` (made from `vm`'s template) expanded with the VM's instance type and preference. */
export function expandedVmi(vm: VM, vmi: VMI, specs: MatchedSpecs): VMI {
  if (!specs.instancetype && !specs.preference) return vmi;
  const expansion = expandInstancetype(
    vmi.spec,
    vmi.metadata.annotations,
    specs.instancetype,
    specs.preference,
  );
  if (expansion.conflicts.length > 0) {
    throw new InstancetypeConflictError(
      expansion.conflicts.map((path) => ["spec", "template", ...path].join(".")),
    );
  }
  const annotations = { ...expansion.annotations };
  const instancetype = matcherTarget(vm, "instancetype");
  if (instancetype) {
    const key = instancetype.cluster
      ? CLUSTER_INSTANCETYPE_NAME_ANNOTATION
      : INSTANCETYPE_NAME_ANNOTATION;
    annotations[key] = instancetype.name;
  }
  const preference = matcherTarget(vm, "preference");
  if (preference) {
    const key = preference.cluster
      ? CLUSTER_PREFERENCE_NAME_ANNOTATION
      : PREFERENCE_NAME_ANNOTATION;
    annotations[key] = preference.name;
  }
  return { ...vmi, metadata: { ...vmi.metadata, annotations }, spec: expansion.spec };
}
