// The VirtualMachineInstanceReplicaSet validator: the template, and a selector that selects it.
import { type LabelSelector, VirtualMachineInstanceReplicaSetSchema } from "../../api/mod.ts";
import {
  type Cause,
  cause,
  type ReviewContext,
  specChanged,
  type Verdict,
  verdictOf,
} from "../review.ts";
import { checkSchema } from "./schema.ts";
import { checkVmiSpec } from "./vmi_spec.ts";

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
  return verdictOf(causes);
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
    causes.push(
      cause(
        "spec.selector",
        "does not select the template's labels (spec.template.metadata.labels)",
      ),
    );
  }
  return causes;
}

/** Whether `selector` selects an object with `labels`. */
export function selects(selector: LabelSelector, labels: Record<string, string>): boolean {
  const has = (key: string) => Object.hasOwn(labels, key);
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (!has(key) || labels[key] !== value) return false;
  }
  return (selector.matchExpressions ?? []).every((e) => {
    switch (e.operator) {
      case "In":
        return has(e.key) && (e.values ?? []).includes(labels[e.key]!);
      case "NotIn":
        return !has(e.key) || !(e.values ?? []).includes(labels[e.key]!);
      case "Exists":
        return has(e.key);
      case "DoesNotExist":
        return !has(e.key);
    }
  });
}
