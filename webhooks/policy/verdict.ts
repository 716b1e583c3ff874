// Policies at admission: which apply to a namespace, and how their violations change a verdict
// (the strictest mode wins for each field and rule).
import {
  type ClusterPolicy,
  type NamespacedPolicy,
  type Policy,
  POLICY_MODES,
  selects,
} from "../../api/mod.ts";
import { type Cause, cause } from "../review.ts";
import type { PolicyViolation } from "./evaluate.ts";

/** The cluster policies whose selector picks a namespace with `labels`, and its own policies. */
export function applicablePolicies(
  clusterPolicies: readonly ClusterPolicy[],
  namespacedPolicies: readonly NamespacedPolicy[],
  namespace: string,
  namespaceLabels: Readonly<Record<string, string>> | undefined,
): Policy[] {
  return [
    ...clusterPolicies.filter((p) =>
      !p.spec.namespaceSelector || selects(p.spec.namespaceSelector, namespaceLabels)
    ),
    ...namespacedPolicies.filter((p) => p.metadata.namespace === namespace),
  ];
}

/** What violations do to the verdict: causes that refuse, warnings, and lines to audit. */
export interface PolicyOutcome {
  causes: Cause[];
  warnings: string[];
  audits: string[];
}

/** Sorts `violations` by mode, keeping for each field and rule only the strictest. */
export function policyOutcome(violations: readonly PolicyViolation[]): PolicyOutcome {
  const outcome: PolicyOutcome = { causes: [], warnings: [], audits: [] };
  const strictness = (v: PolicyViolation) => POLICY_MODES.indexOf(v.mode);
  const strictest = new Map<string, number>();
  for (const v of violations) {
    const key = `${v.field}\n${v.rule}`;
    strictest.set(key, Math.min(strictest.get(key) ?? Infinity, strictness(v)));
  }
  for (const v of violations) {
    if (strictness(v) !== strictest.get(`${v.field}\n${v.rule}`)) continue;
    const line = `${v.field}: ${v.message}`;
    if (v.mode === "Enforce") outcome.causes.push(cause(v.field, v.message));
    else if (v.mode === "Warn") outcome.warnings.push(line);
    else outcome.audits.push(line);
  }
  return outcome;
}
