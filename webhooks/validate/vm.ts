// The VirtualMachine validator: schema, template, dataVolumeTemplates, run strategy.
import {
  type PolicySubject,
  UNSUPPORTED_VM_SPEC_FIELDS,
  VirtualMachineSchema,
  type VirtualMachineSpec,
  vmSubject,
} from "../../api/mod.ts";
import { RUNNING_DEPRECATED_WARNING } from "../defaults/vm.ts";
import { type Cause, cause, type ReviewContext, specChanged, type Verdict } from "../review.ts";
import { checkDataVolumeSpec } from "./data_volume.ts";
import { at } from "./paths.ts";
import { checkSchema } from "./schema.ts";
import { refusedFields } from "./unsupported.ts";
import { checkVmiSpec } from "./vmi_spec.ts";
import { checkVmInstancetype } from "./vm_instancetype.ts";
import { withPolicies } from "../policy/admission.ts";

const TEMPLATE = ["spec", "template", "spec"] as const;

/** Validates a VM on CREATE, and on UPDATE when its spec changed. */
export async function validateVirtualMachine(ctx: ReviewContext): Promise<Verdict> {
  // Metadata, finalizer and label updates of a stored VM are not ours to refuse.
  if (ctx.operation === "UPDATE" && !specChanged(ctx)) return { allowed: true };
  const schema = checkSchema(VirtualMachineSchema, ctx.object);
  const causes = [...schema.causes];
  const warnings: string[] = [];
  const vm = schema.value;
  let subject: PolicySubject | undefined;
  if (vm) {
    // With an instance type or preference, the VMI's spec is the template expanded with them.
    let template = vm.spec.template.spec;
    if (vm.spec.instancetype || vm.spec.preference) {
      const matched = await checkVmInstancetype(vm, ctx.lookups);
      causes.push(...matched.causes);
      if (matched.expanded) template = matched.expanded;
    }
    causes.push(...checkVmiSpec(template, TEMPLATE, ctx.config));
    causes.push(...checkDataVolumeTemplates(vm.spec, ctx.namespace));
    causes.push(...refusedFields(vm.spec, ["spec"], UNSUPPORTED_VM_SPEC_FIELDS));
    if (vm.spec.running !== undefined) warnings.push(RUNNING_DEPRECATED_WARNING);
    subject = vmSubject(vm, template);
  }
  return withPolicies(ctx, subject, causes, warnings);
}

/** Each dataVolumeTemplate has a unique name that a dataVolume volume uses, and a valid spec. */
export function checkDataVolumeTemplates(spec: VirtualMachineSpec, namespace?: string): Cause[] {
  const causes: Cause[] = [];
  const used = new Set(
    (spec.template.spec.volumes ?? []).map((v) => v.dataVolume?.name).filter(Boolean),
  );
  const seen = new Set<string>();
  spec.dataVolumeTemplates?.forEach((template, i) => {
    const base = ["spec", "dataVolumeTemplates", i] as const;
    const name = template.metadata?.name;
    if (!name) {
      causes.push(cause(at(base, "metadata", "name"), "Required value", "FieldValueRequired"));
    } else {
      if (seen.has(name)) {
        causes.push(
          cause(
            at(base, "metadata", "name"),
            `Duplicate value: ${JSON.stringify(name)}`,
            "FieldValueDuplicate",
          ),
        );
      }
      seen.add(name);
      if (!used.has(name)) {
        causes.push(cause(
          at(base, "metadata", "name"),
          `${JSON.stringify(name)} is not used by any dataVolume volume in ${
            at(TEMPLATE, "volumes")
          }`,
          "FieldValueNotFound",
        ));
      }
    }
    causes.push(...checkDataVolumeSpec(template.spec, [...base, "spec"], namespace));
  });
  return causes;
}
