// The VirtualMachineInstanceMigration validator. denovirt has no live migration yet, so a
// migration is refused when it is created, as the `migrate` subresource refuses it, rather than
// stored for nothing to act on. The spec of one stored before stays frozen, as in KubeVirt.
import { LIVE_MIGRATION_NOT_IMPLEMENTED, NOT_SUPPORTED } from "../../api/mod.ts";
import { cause, type ReviewContext, specChanged, type Verdict, verdictOf } from "../review.ts";

/** The refusal of every new migration. */
export const MIGRATION_NOT_SUPPORTED =
  `VirtualMachineInstanceMigration is ${NOT_SUPPORTED}: ${LIVE_MIGRATION_NOT_IMPLEMENTED}`;

/** Refuses a new migration; refuses changes to the spec of a stored one. */
export function validateMigration(ctx: ReviewContext): Verdict {
  if (ctx.operation === "UPDATE") {
    return specChanged(ctx)
      ? verdictOf([
        cause(
          "spec",
          "update of Migration object's spec is restricted: create a new migration",
          "FieldValueNotSupported",
        ),
      ])
      : { allowed: true };
  }
  return verdictOf([cause("", MIGRATION_NOT_SUPPORTED, "FieldValueNotSupported")]);
}
