/**
 * The VM's `status.instancetypeRef` and `status.preferenceRef`, as KubeVirt writes them: the kind
 * (defaulted) and name the spec names, and the ControllerRevision that froze it, once stored.
 * Pure.
 */
import { matcherTarget } from "../../api/instancetype_revision.ts";
import type { VirtualMachine, VirtualMachineStatus } from "../../api/mod.ts";

/** KubeVirt's InstancetypeStatusRef, as denovirt fills it. */
export type InstancetypeStatusRef = {
  name: string;
  kind: string;
  controllerRevisionRef: { name: string };
};

/** The refs the VM's status should hold; absent where the spec names nothing stored yet. */
export function instancetypeStatusRefsOf(
  vm: VirtualMachine,
): { instancetypeRef?: InstancetypeStatusRef; preferenceRef?: InstancetypeStatusRef } {
  const refs: { instancetypeRef?: InstancetypeStatusRef; preferenceRef?: InstancetypeStatusRef } =
    {};
  for (const field of ["instancetype", "preference"] as const) {
    const target = matcherTarget(vm, field);
    if (!target?.revisionName) continue;
    refs[field === "instancetype" ? "instancetypeRef" : "preferenceRef"] = {
      name: target.name,
      kind: target.kind,
      controllerRevisionRef: { name: target.revisionName },
    };
  }
  return refs;
}

/** `status` with the refs of `vm` set, and those it no longer has removed. */
export function withInstancetypeStatusRefs(vm: VirtualMachine, status: VirtualMachineStatus) {
  const refs = instancetypeStatusRefsOf(vm);
  for (const key of ["instancetypeRef", "preferenceRef"] as const) {
    const ref = refs[key];
    if (ref) status[key] = ref;
    else delete status[key];
  }
}
