// How policy violations change an admission verdict: the strictest mode wins for each field and
// rule.
import { POLICY_MODES, type PolicyViolation } from "../../api/mod.ts";
import { type Cause, cause } from "../review.ts";

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
