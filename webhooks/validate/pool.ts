// The VirtualMachinePool validator: the schema, what denovirt cannot honour, a selector that
// selects the template, and the VM template checked as the VMs made from it will be.
import {
  UNSUPPORTED_POOL_SPEC_FIELDS,
  type UnsupportedField,
  VirtualMachinePoolSchema,
} from "../../api/mod.ts";
import { type Cause, type ReviewContext, specChanged, type Verdict, verdictOf } from "../review.ts";
import { checkSelector } from "./replica_set.ts";
import { checkSchema } from "./schema.ts";
import { refusedFields } from "./unsupported.ts";
import { validateVirtualMachine } from "./vm.ts";

const TEMPLATE = "spec.virtualMachineTemplate.";

/** Validates a pool on CREATE, and on UPDATE when its spec changed. */
export async function validatePool(ctx: ReviewContext): Promise<Verdict> {
  if (ctx.operation === "UPDATE" && !specChanged(ctx)) return { allowed: true };
  const schema = checkSchema(VirtualMachinePoolSchema, ctx.object);
  const causes = [...schema.causes];
  const warnings: string[] = [];
  const pool = schema.value;
  if (pool) {
    const rules = UNSUPPORTED_POOL_SPEC_FIELDS as readonly UnsupportedField[];
    causes.push(...refusedFields(pool.spec, ["spec"], rules));
    const template = pool.spec.virtualMachineTemplate;
    causes.push(
      ...checkSelector(pool.spec.selector, template.metadata?.labels ?? {}).map(
        (c) => ({
          ...c,
          message: c.message.replace("spec.template.", TEMPLATE).replace("every VMI", "every VM"),
        }),
      ),
    );
    // The template as one of the pool's VMs: its causes, named below the template.
    const vm = {
      apiVersion: "kubevirt.io/v1",
      kind: "VirtualMachine",
      metadata: { ...template.metadata, name: pool.metadata.name, namespace: ctx.namespace },
      spec: template.spec,
    };
    // The policies judge the template as a VM; their findings are named below the template and
    // audited on the pool.
    const lookups = {
      ...ctx.lookups,
      auditPolicies: (_: unknown, findings: readonly string[]) =>
        ctx.lookups.auditPolicies?.(ctx.object, findings.map(lineUnderTemplate)),
    };
    const verdict = await validateVirtualMachine({
      ...ctx,
      lookups,
      operation: "CREATE",
      object: vm,
    });
    for (const c of verdict.causes ?? []) causes.push(underTemplate(c));
    for (const w of verdict.warnings ?? []) warnings.push(lineUnderTemplate(w));
  }
  return verdictOf(causes, warnings);
}

/** A VM's `<field>: <message>` line, at its place in the pool's template. */
function lineUnderTemplate(line: string): string {
  return /^(spec|metadata)\./.test(line) ? `${TEMPLATE}${line}` : line;
}

/** A VM's cause, at its place in the pool's template. */
function underTemplate(c: Cause): Cause {
  const field = /^(spec|metadata)\./.test(c.field) ? `${TEMPLATE}${c.field}` : c.field;
  return { ...c, field, message: c.message.replaceAll(c.field, field) };
}
