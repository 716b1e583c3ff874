/**
 * Cancelling a migration (its VMIM deleted before it is over), as KubeVirt does it: before the
 * hand-off the controllers end it at once; after it, only the source node's agent can stop
 * libvirt's job, so the controllers ask it to through the VMI's record and wait for its answer
 * (`abortStatus`). Either way the VMIM carries the condition `migrationAbortRequested`. Pure.
 */
import {
  MIGRATION_ABORT_REQUESTED_CONDITION,
  type MigrationState,
  type VirtualMachineInstanceMigrationStatus,
} from "../../api/mod.ts";
import { withCondition } from "../../api/conditions.ts";
import type { MigrationPlan } from "./pass.ts";

/** Records on the VMIM that its cancel was asked for. */
export function markAbortRequested(
  status: VirtualMachineInstanceMigrationStatus,
  at: string,
): void {
  status.conditions = withCondition(status.conditions, {
    type: MIGRATION_ABORT_REQUESTED_CONDITION,
    status: "True",
    lastProbeTime: at,
  }, at);
}

/**
 * Cancels a migration the agents hold: the condition on the VMIM, and `abortRequested` on the
 * VMI's record for the source agent, asked once (the record keeps it).
 */
export function askSourceToAbort(plan: MigrationPlan, state: MigrationState, at: string): void {
  markAbortRequested(plan.status, at);
  if (state.abortRequested) return;
  plan.vmiMigrationState = { abortRequested: true };
  plan.events.push({
    type: "Normal",
    reason: "SuccessfulAbortMigration",
    message: "Migration is ready to be canceled by the source node's agent.",
  });
}
