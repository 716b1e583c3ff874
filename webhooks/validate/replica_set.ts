// The VirtualMachineInstanceReplicaSet validator: the template, and a selector that selects it.
import {
  type LabelSelector,
  replicaSetSubject,
  selects,
  VirtualMachineInstanceReplicaSetSchema,
} from "../../api/mod.ts";
import { type Cause, cause, type ReviewContext, specChanged, type Verdict } from "../review.ts";
import { checkSchema } from "./schema.ts";
import { checkVmiSpec } from "./vmi_spec.ts";
import { withPolicies } from "../policy/admission.ts";

/** Validates a replica set on CREATE, and on UPDATE when its spec changed. */
export function validateReplicaSet(ctx: ReviewContext): Verdict {
  if (ctx.operation === "UPDATE" && !specChanged(ctx)) return { allowed: true };
  const schema = checkSchema(VirtualMachineInstanceReplicaSetSchema, ctx.object);
  const causes = [...schema.causes];
  const replicaSet = schema.value;
  if (replicaSet) {
    causes.push(
      ...checkVmiSpec(replicaSet.spec.template.spec, ["spec", "template", "spec"], ctx.config),
    );
    causes.push(
      ...checkSelector(replicaSet.spec.selector, replicaSet.spec.template.metadata?.labels ?? {}),
    );
  }
  return withPolicies(ctx, replicaSet && replicaSetSubject(replicaSet), causes);
}

/** The selector must select something, and select the template's labels. */
export function checkSelector(selector: LabelSelector, labels: Record<string, string>): Cause[] {
  const expressions = selector.matchExpressions ?? [];
  if (Object.keys(selector.matchLabels ?? {}).length === 0 && expressions.length === 0) {
    return [
      cause(
        "spec.selector",
        "must not be empty: an empty selector would select every VMI of the namespace",
        "FieldValueRequired",
      ),
    ];
  }
  const causes: Cause[] = [];
  expressions.forEach((e, i) => {
    const needsValues = e.operator === "In" || e.operator === "NotIn";
    if (needsValues !== ((e.values?.length ?? 0) > 0)) {
      causes.push(cause(
        `spec.selector.matchExpressions[${i}].values`,
        needsValues
          ? `must not be empty with operator ${e.operator}`
          : `must be empty with operator ${e.operator}`,
      ));
    }
  });
  if (causes.length === 0 && !selects(selector, labels)) {
    // KubeVirt's words (its vmirs admitter), then which labels were not selected.
    causes.push(cause(
      "spec.selector",
      `selector does not match labels: spec.template.metadata.labels is ${JSON.stringify(labels)}`,
    ));
  }
  return causes;
}
