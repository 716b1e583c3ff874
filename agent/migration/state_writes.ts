/**
 * Writes of `status.migrationState` by a node's agent: only the fields its role owns
 * (MIGRATION_STATE_WRITERS), as a JSON patch that first tests the record's `migrationUid`, so
 * a write meant for one migration never lands on the next one's record.
 */
import { FIELD_MANAGERS, MIGRATION_STATE_WRITERS, type MigrationState } from "../../api/mod.ts";
import type { RestClient } from "../../lib/kube/rest.ts";
import { virtualMachineInstances } from "../../lib/kube/resources.ts";
import type { VMI } from "../../api/mod.ts";

const AGENT_FIELDS: readonly string[] = [
  ...MIGRATION_STATE_WRITERS.sourceAgent,
  ...MIGRATION_STATE_WRITERS.targetAgent,
];

/** The JSON patch that sets `fields` of the record `migrationUid`. */
export function migrationStatePatch(
  migrationUid: string,
  fields: Partial<MigrationState>,
): Array<Record<string, unknown>> {
  const ops: Array<Record<string, unknown>> = [
    { op: "test", path: "/status/migrationState/migrationUid", value: migrationUid },
  ];
  for (const [field, value] of Object.entries(fields)) {
    if (!AGENT_FIELDS.includes(field)) {
      throw new Error(`Cannot write migrationState.${field}: the agent does not own it`);
    }
    ops.push({ op: "add", path: `/status/migrationState/${field}`, value });
  }
  return ops;
}

/** Patches `fields` of the VMI's current migration record; answers the VMI as written. */
export function writeMigrationState(
  rest: RestClient,
  vmi: VMI,
  fields: Partial<MigrationState>,
): Promise<VMI> {
  const uid = vmi.status?.migrationState?.migrationUid;
  if (!uid) throw new Error("Cannot write the migration state of a VMI without a migration");
  return rest.patch<VMI>(
    virtualMachineInstances,
    { namespace: vmi.metadata.namespace!, name: vmi.metadata.name! },
    migrationStatePatch(uid, fields),
    { type: "json", subresource: "status", fieldManager: FIELD_MANAGERS.agent },
  );
}
