// The policy validators: a policy whose rule could not be applied as written is refused naming
// the rule's field, so that an administrator never believes in a rule that matches nothing.
import type { z } from "zod";
import {
  directoryProblem,
  parseQuantity,
  patternProblem,
  type PolicyRules,
} from "../../api/mod.ts";
import { type Cause, cause, type ReviewContext, type Verdict, verdictOf } from "../review.ts";
import { at } from "./paths.ts";
import { checkSchema } from "./schema.ts";

const RULES = ["spec", "rules"] as const;

/** The validator of a policy kind with `schema`. */
export function policyValidator(schema: z.ZodType): (ctx: ReviewContext) => Verdict {
  return (ctx) => {
    const checked = checkSchema(schema, ctx.object);
    const causes = [...checked.causes];
    const rules = (checked.value as { spec?: { rules?: PolicyRules } } | undefined)?.spec?.rules;
    if (rules) causes.push(...ruleProblems(rules));
    return verdictOf(causes);
  };
}

/** What is wrong with `rules` beyond their schema. */
export function ruleProblems(rules: PolicyRules): Cause[] {
  const causes: Cause[] = [];
  if (rules.maxGuestMemory !== undefined && parseQuantity(rules.maxGuestMemory).value <= 0n) {
    causes.push(cause(at(RULES, "maxGuestMemory"), "must be greater than zero"));
  }
  const patterns = (field: "allowedImageRegistries" | "allowedImportHosts", withPath: boolean) =>
    rules[field]?.forEach((pattern, i) => {
      const problem = patternProblem(pattern, withPath);
      if (problem) {
        causes.push(cause(at(RULES, field, i), `${JSON.stringify(pattern)} ${problem}`));
      }
    });
  patterns("allowedImageRegistries", true);
  patterns("allowedImportHosts", false);
  rules.allowedHostDiskDirs?.forEach((dir, i) => {
    const problem = directoryProblem(dir);
    if (problem) {
      causes.push(cause(at(RULES, "allowedHostDiskDirs", i), `${JSON.stringify(dir)} ${problem}`));
    }
  });
  rules.requiredLabels?.forEach((label, i) => {
    if (!/^([a-z0-9.-]+\/)?[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/.test(label.key)) {
      causes.push(cause(
        at(RULES, "requiredLabels", i, "key"),
        `${JSON.stringify(label.key)} is not a valid label key`,
      ));
    }
  });
  return causes;
}
