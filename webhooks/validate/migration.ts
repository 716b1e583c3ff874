// The VirtualMachineInstanceMigration validator: a migration needs a running VMI that may
// migrate and no other migration in flight (KubeVirt's migration-create-admitter).
import { isFinished, VirtualMachineInstanceMigrationSchema } from "../../api/mod.ts";
import { messageOf } from "../../lib/errors.ts";
import { cause, type ReviewContext, specChanged, type Verdict, verdictOf } from "../review.ts";
import { checkSchema } from "./schema.ts";
import { UNSUPPORTED_MIGRATION_SPEC_FIELDS, unsupportedFields } from "./unsupported.ts";

/** Validates a migration; looks its VMI up on CREATE. */
export async function validateMigration(ctx: ReviewContext): Promise<Verdict> {
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
  const schema = checkSchema(VirtualMachineInstanceMigrationSchema, ctx.object);
  const causes = [...schema.causes];
  const migration = schema.value;
  if (migration) {
    causes.push(...unsupportedFields(migration.spec, ["spec"], UNSUPPORTED_MIGRATION_SPEC_FIELDS));
  }
  if (!migration || causes.length > 0) return verdictOf(causes);
  const vmiName = migration.spec.vmiName;
  if (!vmiName) return verdictOf([cause("spec.vmiName", "Required value", "FieldValueRequired")]);
  const namespace = ctx.namespace || migration.metadata.namespace || "";
  const field = "spec.vmiName";
  try {
    const vmi = await ctx.lookups.getVmi(namespace, vmiName);
    if (!vmi) {
      return verdictOf([
        cause(field, `the VMI "${namespace}/${vmiName}" does not exist`, "FieldValueNotFound"),
      ]);
    }
    const phase = vmi.status?.phase || "Pending";
    if (isFinished(phase)) {
      return verdictOf([
        cause(field, `cannot migrate VMI "${vmiName}" in finalized state (${phase})`),
      ]);
    }
    if (phase !== "Running") {
      return verdictOf([
        cause(field, `cannot migrate VMI "${vmiName}": it is ${phase}, not Running`),
      ]);
    }
    const notMigratable = vmi.status?.conditions?.find((c) =>
      c.type === "LiveMigratable" && c.status === "False"
    );
    if (notMigratable) {
      return verdictOf([
        cause(
          field,
          `cannot migrate VMI "${vmiName}": ${notMigratable.reason ?? "not migratable"}: ${
            notMigratable.message ?? ""
          }`.trim(),
        ),
      ]);
    }
    const inFlight = (await ctx.lookups.listMigrations(namespace)).find((m) =>
      m.spec.vmiName === vmiName && !isFinished(m.status?.phase) &&
      m.metadata.name !== migration.metadata.name
    );
    if (inFlight) {
      return verdictOf([
        cause(
          field,
          `in-flight migration detected: migration "${inFlight.metadata.name}" is already in progress for VMI "${vmiName}"`,
        ),
      ]);
    }
  } catch (error) {
    return {
      allowed: false,
      code: 500,
      message: `Cannot check VMI "${namespace}/${vmiName}" for the migration: ${messageOf(error)}`,
    };
  }
  return { allowed: true };
}
