/**
 * The existing objects a policy judges, and the status that counts those that violate it: an
 * administrator tightens a policy safely by reading what it would have refused.
 */
import {
  applicablePolicies,
  CLUSTER_POLICY_KIND,
  type ControllerRevision,
  dataVolumeSubject,
  evaluatePolicies,
  expandInstancetype,
  type InstancetypeSpec,
  matcherTarget,
  type Policy,
  type PolicySubject,
  type PreferenceSpec,
  replicaSetSubject,
  vmiSubject,
  vmSubject,
} from "../../api/mod.ts";
import type { DV, VM, VMI, VMIRS } from "../../api/objects.ts";
import type { KubeObject } from "../../lib/kube/object.ts";

/** How many violators a policy's status lists; the count covers them all. */
export const VIOLATORS_LISTED = 5;

/** One existing object a policy can judge, named as the status lists it. */
export interface JudgedObject {
  /** `VirtualMachine team-a/web`. */
  ref: string;
  namespace: string;
  subject: PolicySubject;
}

/** What a namespace holds that policies judge. */
export interface NamespaceContents {
  vms: readonly VM[];
  vmis: readonly VMI[];
  replicaSets: readonly VMIRS[];
  dataVolumes: readonly DV[];
  /** A ControllerRevision of the namespace by name (a VM's frozen instance type). */
  revision(name: string): ControllerRevision | undefined;
}

/** The status a policy's controller owns. */
export interface PolicyViolationsStatus {
  violations: number;
  violators: string[];
}

const hasController = (obj: KubeObject) =>
  (obj.metadata?.ownerReferences ?? []).some((ref) => ref.controller === true);

/**
 * The objects of one namespace that policies judge, as admission judged them: VMs (their template
 * after the instance type and preference they froze), replica sets, and the VMIs and DataVolumes
 * that no owner made (an owner's objects are judged through the owner).
 */
export function judgedObjects(namespace: string, contents: NamespaceContents): JudgedObject[] {
  const named = (kind: string, obj: KubeObject) => `${kind} ${namespace}/${obj.metadata?.name}`;
  return [
    ...contents.vms.map((vm) => ({
      ref: named("VirtualMachine", vm),
      namespace,
      subject: vmSubject(vm, expandedTemplate(vm, contents)),
    })),
    ...contents.vmis.filter((vmi) => !hasController(vmi)).map((vmi) => ({
      ref: named("VirtualMachineInstance", vmi),
      namespace,
      subject: vmiSubject(vmi),
    })),
    ...contents.replicaSets.map((rs) => ({
      ref: named("VirtualMachineInstanceReplicaSet", rs),
      namespace,
      subject: replicaSetSubject(rs),
    })),
    ...contents.dataVolumes.filter((dv) => !hasController(dv)).map((dv) => ({
      ref: named("DataVolume", dv),
      namespace,
      subject: dataVolumeSubject(dv),
    })),
  ];
}

/**
 * A VM's template expanded with the revisions its spec names. Before the VM controller has frozen
 * them (or when they conflict, which stops the VM from starting) the template stands as written.
 */
function expandedTemplate(vm: VM, contents: NamespaceContents) {
  const template = vm.spec.template;
  const specOf = (field: "instancetype" | "preference") => {
    const name = matcherTarget(vm, field)?.revisionName;
    return name === undefined ? undefined : contents.revision(name)?.data.spec;
  };
  const instancetype = specOf("instancetype") as InstancetypeSpec | undefined;
  const preference = specOf("preference") as PreferenceSpec | undefined;
  if (!instancetype && !preference) return template.spec;
  const expansion = expandInstancetype(
    template.spec,
    template.metadata?.annotations,
    instancetype,
    preference,
  );
  return expansion.conflicts.length > 0 ? template.spec : expansion.spec;
}

/** Whether `policy` applies in `namespace` (a cluster policy by its selector of the labels). */
export function policyApplies(
  policy: Policy,
  namespace: string,
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  if (policy.kind === CLUSTER_POLICY_KIND) {
    return applicablePolicies([policy], [], namespace, labels).length > 0;
  }
  return policy.metadata.namespace === namespace;
}

/** How many of `objects` violate `policy` (whatever its mode), and the first few by name. */
export function violationsOf(
  policy: Policy,
  objects: readonly JudgedObject[],
): PolicyViolationsStatus {
  const violators = objects
    .filter((object) => evaluatePolicies([policy], object.subject).length > 0)
    .map((object) => object.ref)
    .sort();
  return { violations: violators.length, violators: violators.slice(0, VIOLATORS_LISTED) };
}
