// Validators of instance types and preferences: their schema, and what denovirt cannot honour.
import type { z } from "zod";
import type { UnsupportedField } from "../../api/refusals.ts";
import { type ReviewContext, type Verdict, verdictOf } from "../review.ts";
import { checkSchema } from "./schema.ts";
import { refusedFields } from "./unsupported.ts";

/** A validator of one instancetype.kubevirt.io kind. */
export function instancetypeKindValidator(
  schema: z.ZodType,
  unsupported: readonly UnsupportedField[],
) {
  return (ctx: ReviewContext): Verdict => {
    const checked = checkSchema(schema, ctx.object);
    const causes = [...checked.causes];
    const object = checked.value as { spec?: unknown } | undefined;
    if (object) causes.push(...refusedFields(object.spec, ["spec"], unsupported));
    return verdictOf(causes);
  };
}
