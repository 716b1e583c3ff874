/**
 * What one pass of the migration controller sees of a VirtualMachineInstanceMigration and what it
 * will do: the shapes every planner in this folder reads and edits, and the two edits they share
 * (entering a phase, failing). Pure.
 */
import type {
  MigrationPhase,
  Pod,
  VirtualMachineInstanceMigrationStatus,
  VMI,
  VMIM,
} from "../../api/mod.ts";
import type { PendingTimeouts } from "./pending_timeout.ts";

/** What a pass sees of one migration. */
export interface MigrationObserved {
  vmim: VMIM;
  /** The VMI named by `spec.vmiName`, if it exists. */
  vmi: VMI | undefined;
  /** The launcher pods the VMI controls: its source pod and this migration's target pod. */
  pods: Pod[];
  /** The other migrations of the same VMI. */
  others: VMIM[];
  timeouts: PendingTimeouts;
}

/** A Kubernetes Event the pass records on the VMIM. */
export type MigrationEvent = { type: "Normal" | "Warning"; reason: string; message: string };

/** What a pass will do for one migration. */
export interface MigrationPlan {
  /** The VMIM's labels and finalizers, when they change (undefined: unchanged). */
  labels: Record<string, string> | undefined;
  finalizers: string[] | undefined;
  createPod: Pod | undefined;
  /** Pods to delete: a failed migration's target pod, a finished one's source pod. */
  deletePods: Pod[];
  /** A merge patch of the VMI's `status.migrationState` (the controllers' fields only). */
  vmiMigrationState: Record<string, unknown> | undefined;
  /** A merge patch of the VMI's labels (the migration target node label; null removes it). */
  vmiLabels: Record<string, string | null> | undefined;
  status: VirtualMachineInstanceMigrationStatus;
  events: MigrationEvent[];
  requeueAfterMs: number | undefined;
}

/** KubeVirt's reason on every event of a failed migration. */
export const FAILED_MIGRATION_REASON = "FailedMigration";

/** A plan that changes nothing yet, around `status` (the copy of the VMIM's status it edits). */
export function emptyPlan(status: VirtualMachineInstanceMigrationStatus): MigrationPlan {
  return {
    labels: undefined,
    finalizers: undefined,
    createPod: undefined,
    deletePods: [],
    vmiMigrationState: undefined,
    vmiLabels: undefined,
    status,
    events: [],
    requeueAfterMs: undefined,
  };
}

/** Sets the phase and records when it was entered in `phaseTransitionTimestamps`. */
export function enterPhase(
  status: VirtualMachineInstanceMigrationStatus,
  phase: MigrationPhase,
  at: string,
): void {
  if ((status.phase ?? "") === phase) return;
  status.phase = phase;
  status.phaseTransitionTimestamps = [
    ...(status.phaseTransitionTimestamps ?? []),
    { phase, phaseTransitionTimestamp: at },
  ];
}

/**
 * Moves the migration to Failed with KubeVirt's warning; which pods go with it is the caller's
 * call (a target pod that is already down needs no delete).
 */
export function failMigration(plan: MigrationPlan, message: string, at: string): void {
  enterPhase(plan.status, "Failed", at);
  plan.events.push({ type: "Warning", reason: FAILED_MIGRATION_REASON, message });
}
