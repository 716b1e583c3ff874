// kubevirt.io/v1 VirtualMachineInstanceMigration: a request to live-migrate a VMI.
import { z } from "zod";
import {
  ConditionSchema,
  KubeVirtApiVersionSchema,
  ObjectMetaSchema,
  opaqueObject,
  StringMapSchema,
  TimeSchema,
} from "./meta.ts";
import { MigrationStateSchema } from "./virtual_machine_instance.ts";

/** Migration phases; "" is KubeVirt's MigrationPhaseUnset. */
export const MIGRATION_PHASES = [
  "",
  "Pending",
  "Scheduling",
  "Scheduled",
  "PreparingTarget",
  "TargetReady",
  "Running",
  "Succeeded",
  "Failed",
] as const;
export type MigrationPhase = (typeof MIGRATION_PHASES)[number];

/** Whether a migration is over: Succeeded or Failed (KubeVirt's `IsFinal`). */
export function isMigrationFinal(phase: string | undefined): boolean {
  return phase === "Succeeded" || phase === "Failed";
}

/** The VMIM condition set once the migration was cancelled (its VMIM deleted early). */
export const MIGRATION_ABORT_REQUESTED_CONDITION = "migrationAbortRequested";

export const VirtualMachineInstanceMigrationSpecSchema = z.strictObject({
  vmiName: z.string().describe(
    "The name of the VMI to migrate; it must exist in the migration's namespace.",
  ),
  addedNodeSelector: StringMapSchema.optional().describe(
    "Extra node selector that restricts the migration's target nodes.",
  ),
  sendTo: opaqueObject().optional(),
  receive: opaqueObject().optional(),
  priority: z.string().optional(),
});
export type VirtualMachineInstanceMigrationSpec = z.infer<
  typeof VirtualMachineInstanceMigrationSpecSchema
>;

export const VirtualMachineInstanceMigrationStatusSchema = z.looseObject({
  phase: z.enum(MIGRATION_PHASES).optional().describe("Phase of the migration."),
  phaseTransitionTimestamps: z.array(z.looseObject({
    phase: z.enum(MIGRATION_PHASES).optional(),
    phaseTransitionTimestamp: TimeSchema.optional(),
  })).optional(),
  conditions: z.array(ConditionSchema).optional(),
  migrationState: MigrationStateSchema.nullable().optional(),
  synchronizationAddresses: z.array(z.string()).optional(),
});
export type VirtualMachineInstanceMigrationStatus = z.infer<
  typeof VirtualMachineInstanceMigrationStatusSchema
>;

export const VirtualMachineInstanceMigrationSchema = z.strictObject({
  apiVersion: KubeVirtApiVersionSchema,
  kind: z.literal("VirtualMachineInstanceMigration"),
  metadata: ObjectMetaSchema,
  spec: VirtualMachineInstanceMigrationSpecSchema,
  status: VirtualMachineInstanceMigrationStatusSchema.optional(),
}).describe(
  "VirtualMachineInstanceMigration tracks the migration of a VMI to another node.",
);
export type VirtualMachineInstanceMigration = z.infer<
  typeof VirtualMachineInstanceMigrationSchema
>;
