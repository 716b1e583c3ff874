// The VirtualMachineInstanceMigration validator, as KubeVirt's migration admitters: a new
// migration needs a VMI that exists, runs on a node, is live-migratable and has no other
// migration in flight; the spec of a stored one is frozen.
import {
  isFinished,
  isLiveMigratable,
  isMigrationFinal,
  liveMigratableCondition,
  migrationInFlight,
  NOT_SUPPORTED,
  type VirtualMachineInstance,
  type VirtualMachineInstanceMigration,
  VirtualMachineInstanceMigrationSchema,
} from "../../api/mod.ts";
import { cause, type ReviewContext, specChanged, type Verdict, verdictOf } from "../review.ts";
import { checkSchema } from "./schema.ts";

/** Spec fields of KubeVirt's that denovirt cannot honour (cross-cluster migration, priorities). */
const UNSUPPORTED_SPEC_FIELDS = ["sendTo", "receive", "priority"] as const;

/** A refusal as KubeVirt's admitter answers it: a message, code 400. */
const refused = (message: string): Verdict => ({ allowed: false, code: 400, message });

/** Validates a migration on CREATE; refuses changes to the spec of a stored one. */
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
  const migration = schema.value;
  if (!migration) return verdictOf(schema.causes);
  const causes = [...schema.causes];
  if (!migration.spec.vmiName) {
    causes.push(cause("spec.vmiName", "vmiName is missing", "FieldValueRequired"));
  }
  for (const field of UNSUPPORTED_SPEC_FIELDS) {
    if (migration.spec[field] !== undefined) {
      causes.push(cause(`spec.${field}`, NOT_SUPPORTED, "FieldValueNotSupported"));
    }
  }
  if (causes.length > 0) return verdictOf(causes);
  const vmi = await ctx.lookups.getVmi(ctx.namespace, migration.spec.vmiName);
  const refusal = refusalFor(ctx.namespace, migration.spec.vmiName, vmi);
  if (refusal) return refused(refusal);
  const busy = inFlightMigration(await ctx.lookups.listMigrations(ctx.namespace), migration, vmi!);
  return busy ? refused(busy) : { allowed: true };
}

/** Why the VMI cannot be migrated now, in KubeVirt's words, or undefined. */
export function refusalFor(
  namespace: string,
  name: string,
  vmi: VirtualMachineInstance | undefined,
): string | undefined {
  if (!vmi) return `the VMI "${namespace}/${name}" does not exist`;
  if (isFinished(vmi.status?.phase) || vmi.metadata.deletionTimestamp) {
    return "Cannot migrate VMI in finalized state.";
  }
  if (!vmi.status?.nodeName || vmi.status.phase !== "Running") {
    return `Cannot migrate VMI that is not running: its phase is ${vmi.status?.phase || "Pending"}`;
  }
  if (!isLiveMigratable(vmi)) {
    const condition = liveMigratableCondition(vmi);
    const reason = condition?.reason ?? "NotMigratable";
    const message = condition?.message ?? "the VMI does not report the LiveMigratable condition";
    return `Cannot migrate VMI, Reason: ${reason}, Message: ${message}`;
  }
  return undefined;
}

/**
 * KubeVirt's in-flight refusal when another migration of the VMI is not over, or the VMI's record
 * shows a libvirt job that started and has not ended (whatever became of its migration object).
 */
export function inFlightMigration(
  migrations: VirtualMachineInstanceMigration[],
  migration: VirtualMachineInstanceMigration,
  vmi: VirtualMachineInstance,
): string | undefined {
  const name = migration.spec.vmiName;
  const active = migrations.find((m) =>
    m.spec?.vmiName === name && m.metadata.uid !== migration.metadata.uid &&
    !isMigrationFinal(m.status?.phase)
  );
  const record = migrationInFlight(vmi);
  const running = record?.startTimestamp && !record.endTimestamp ? record.migrationUid : undefined;
  const uid = active?.metadata.uid ?? running;
  if (!uid) return undefined;
  return `in-flight migration detected. Active migration job (${uid}) is currently already in progress for VMI ${name}.`;
}
