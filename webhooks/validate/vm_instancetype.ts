// A VM's instance type and preference at admission: the matchers name kinds that exist, the
// objects (or the revisions the VM froze) are found, and the template does not set what the
// instance type sets (KubeVirt's "conflicts with selected instance type").
import {
  conflictMessage,
  expandInstancetype,
  type InstancetypeSpec,
  type MatchedSpecs,
  type MatcherField,
  matcherKind,
  matcherTarget,
  type PreferenceSpec,
  unmetRequirements,
  type VirtualMachine,
  type VirtualMachineInstanceSpec,
} from "../../api/mod.ts";
import { notSupported } from "../../api/refusals.ts";
import { type Cause, cause, type Lookups } from "../review.ts";
import { at } from "./paths.ts";
import { causesOf } from "./unsupported.ts";

const FIELDS: readonly MatcherField[] = ["instancetype", "preference"];

/** What checking a VM's matchers gave: causes, and the template expanded when there were none. */
export interface MatcherCheck {
  causes: Cause[];
  expanded?: VirtualMachineInstanceSpec;
}

/** Checks `spec.instancetype` and `spec.preference` of `vm` against what they name. */
export async function checkVmInstancetype(
  vm: VirtualMachine,
  lookups: Lookups,
): Promise<MatcherCheck> {
  const causes: Cause[] = [];
  const specs: MatchedSpecs = {};
  for (const field of FIELDS) {
    const matcher = vm.spec[field];
    if (!matcher) continue;
    const base = ["spec", field];
    if (matcher.inferFromVolume !== undefined) {
      causes.push(...causesOf([notSupported([field, "inferFromVolume"], "name the " + field)], [
        "spec",
      ]));
      continue;
    }
    if (matcher.inferFromVolumeFailurePolicy !== undefined) {
      causes.push(...causesOf(
        [notSupported([field, "inferFromVolumeFailurePolicy"], "name the " + field)],
        ["spec"],
      ));
    }
    if (!matcher.name) {
      causes.push(cause(at(base, "name"), "Required value", "FieldValueRequired"));
      continue;
    }
    if (!matcherKind(field, matcher.kind)) {
      causes.push(cause(
        at(base, "kind"),
        `got unexpected kind in ${
          field === "instancetype" ? "InstancetypeMatcher" : "PreferenceMatcher"
        }: ${matcher.kind}`,
        "FieldValueNotSupported",
      ));
      continue;
    }
    const target = matcherTarget(vm, field)!;
    const namespace = vm.metadata.namespace ?? "";
    const found = target.revisionName
      ? await lookups.getRevisionSpec?.(namespace, target.revisionName)
      : await lookups.getInstancetypeSpec?.(target, namespace);
    if (found === undefined) {
      const what = target.revisionName
        ? `controllerrevisions.apps "${target.revisionName}" not found`
        : `${target.kind} "${target.name}" not found`;
      causes.push(cause(at(base), `Failure to find ${field}: ${what}`, "FieldValueNotFound"));
      continue;
    }
    if (field === "instancetype") specs.instancetype = found as InstancetypeSpec;
    else specs.preference = found as PreferenceSpec;
  }
  if (causes.length > 0) return { causes };
  const template = vm.spec.template;
  const expansion = expandInstancetype(
    template.spec,
    template.metadata?.annotations,
    specs.instancetype,
    specs.preference,
  );
  for (const path of expansion.conflicts) {
    const field = at(["spec", "template"], ...path);
    causes.push(cause(field, conflictMessage(field)));
  }
  if (specs.preference) {
    for (const unmet of unmetRequirements(specs.preference, specs.instancetype, template.spec)) {
      causes.push(cause(at(unmet.path), unmet.message));
    }
  }
  return causes.length > 0 ? { causes } : { causes, expanded: expansion.spec };
}
