// Policies in a validator's verdict: what each admitted kind offers the evaluator, and the
// verdict once the applicable policies (read from the role's cache) have had their say.
import {
  type DataVolume,
  evaluatePolicies,
  type PolicySubject,
  type VirtualMachine,
  type VirtualMachineInstance,
  type VirtualMachineInstanceReplicaSet,
  type VirtualMachineInstanceSpec,
} from "../../api/mod.ts";
import { type Cause, isTrusted, type ReviewContext, type Verdict, verdictOf } from "../review.ts";
import type { Path } from "../validate/paths.ts";
import { policyOutcome } from "./verdict.ts";

/** `causes` and `warnings` with the policies' violations: refusals, warnings, audit Events. */
export function withPolicies(
  ctx: ReviewContext,
  subject: PolicySubject | undefined,
  causes: readonly Cause[],
  warnings: readonly string[] = [],
): Verdict {
  // denovirt's own roles make VMIs and VMs from objects that were admitted already: existing
  // workloads are not touched by a policy made after them.
  const policies = ctx.lookups.policiesFor;
  if (!subject || !policies || isTrusted(ctx)) return verdictOf(causes, warnings);
  const outcome = policyOutcome(evaluatePolicies(policies(ctx.namespace), subject));
  const refused = causes.length + outcome.causes.length > 0;
  if (outcome.audits.length > 0 && !refused && !ctx.dryRun) {
    ctx.lookups.auditPolicies?.(ctx.object, outcome.audits);
  }
  return verdictOf([...causes, ...outcome.causes], [...warnings, ...outcome.warnings]);
}

/** A VM (or a pool's template at `base`) running `template`, its expanded template spec. */
export function vmSubject(
  vm: Pick<VirtualMachine, "metadata" | "spec">,
  template: VirtualMachineInstanceSpec,
  base: Path = [],
): PolicySubject {
  return {
    vmiSpecs: [{ path: [...base, "spec", "template", "spec"], spec: template }],
    vmLabels: [{ path: [...base, "metadata", "labels"], labels: vm.metadata?.labels }],
    dataVolumes: (vm.spec.dataVolumeTemplates ?? []).map((t, i) => ({
      path: [...base, "spec", "dataVolumeTemplates", i, "spec"],
      spec: t.spec,
    })),
  };
}

/** A VMI made by a user. */
export function vmiSubject(vmi: VirtualMachineInstance): PolicySubject {
  return {
    vmiSpecs: [{ path: ["spec"], spec: vmi.spec }],
    vmLabels: [{ path: ["metadata", "labels"], labels: vmi.metadata.labels }],
    dataVolumes: [],
  };
}

/** The VMIs a replica set makes. */
export function replicaSetSubject(replicaSet: VirtualMachineInstanceReplicaSet): PolicySubject {
  const template = replicaSet.spec.template;
  return {
    vmiSpecs: [{ path: ["spec", "template", "spec"], spec: template.spec }],
    vmLabels: [{
      path: ["spec", "template", "metadata", "labels"],
      labels: template.metadata?.labels,
    }],
    dataVolumes: [],
  };
}

/** A DataVolume. */
export function dataVolumeSubject(dataVolume: DataVolume): PolicySubject {
  return { vmiSpecs: [], vmLabels: [], dataVolumes: [{ path: ["spec"], spec: dataVolume.spec }] };
}
