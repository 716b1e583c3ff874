// Policies in a validator's verdict: the verdict once the applicable policies (read from the
// role's cache) have had their say about what the object offers them (api/policy_subjects.ts).
import { evaluatePolicies, type PolicySubject } from "../../api/mod.ts";
import { type Cause, isTrusted, type ReviewContext, type Verdict, verdictOf } from "../review.ts";
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
