/**
 * The hand-off of a migration to the agents: the record the controllers start on the VMI's
 * `status.migrationState` (adr/0012-live-migration.md has who writes which field after), the label
 * by which the target node's agent finds the VMI, and the copy of the record on the VMIM. Pure.
 */
import {
  isMigrationFinal,
  MIGRATION_TARGET_NODE_LABEL,
  type MigrationPhase,
  type MigrationState,
  type Pod,
  type VirtualMachineInstanceMigrationStatus,
  type VMI,
  type VMIM,
} from "../../api/mod.ts";
import { sourcePodOf } from "./pods.ts";

/** The record's fields the controllers set when they hand a migration to the agents. */
const RECORD_FIELDS = ["migrationUid", "sourceNode", "sourcePod", "targetNode", "targetPod"];

/** The phases in which the agents hold the migration, so the VMI must carry its record. */
const HANDED_OFF: readonly string[] = ["PreparingTarget", "TargetReady", "Running"];

/** Whether the agents hold a migration in `phase`. */
export const isHandedOff = (phase: string): boolean => HANDED_OFF.includes(phase);

/** Whether the source agent reported the migration done (and not failed). */
export const isCompletedRecord = (state: MigrationState | undefined): boolean =>
  !!state?.completed && !state.failed;

/**
 * The merge patch that starts this migration's record on the VMI: both ends named, every field
 * of an earlier migration cleared (null), so that no agent reads a stale `completed`.
 */
export function freshRecordFor(
  vmi: VMI,
  vmim: VMIM,
  target: Pod,
  pods: Pod[],
): Record<string, unknown> {
  const cleared = Object.fromEntries(
    Object.keys(vmi.status?.migrationState ?? {})
      .filter((k) => !RECORD_FIELDS.includes(k))
      .map((k) => [k, null]),
  );
  return {
    ...cleared,
    migrationUid: vmim.metadata.uid ?? "",
    sourceNode: vmi.status?.nodeName ?? "",
    sourcePod: sourcePodOf(vmi, pods)?.metadata?.name ?? "",
    targetNode: target.spec?.nodeName ?? "",
    targetPod: target.metadata?.name ?? "",
  };
}

/**
 * The VMI's labels patch that keeps the target node label while its record names a target and
 * the migration is not over (the target's agent watches VMIs by it); undefined: no change.
 */
export function targetNodeLabelFor(
  vmi: VMI | undefined,
  phase: MigrationPhase,
  targetNode: unknown,
): Record<string, string> | undefined {
  if (!vmi || isMigrationFinal(phase) || typeof targetNode !== "string" || !targetNode) {
    return undefined;
  }
  if (vmi.metadata.labels?.[MIGRATION_TARGET_NODE_LABEL] === targetNode) return undefined;
  return { [MIGRATION_TARGET_NODE_LABEL]: targetNode };
}

/**
 * The VMI's labels patch that removes the target node label once the migration is over, so the
 * target's agent stops watching the VMI; undefined when the VMI has none or no record of it.
 */
export function targetNodeLabelRemoval(
  vmi: VMI | undefined,
  state: MigrationState | undefined,
): Record<string, null> | undefined {
  if (!state || vmi?.metadata.labels?.[MIGRATION_TARGET_NODE_LABEL] === undefined) {
    return undefined;
  }
  return { [MIGRATION_TARGET_NODE_LABEL]: null };
}

/**
 * The VMIM's `status.migrationState` while the migration is not over: a copy of the VMI's record
 * once it exists; before the hand-off, the source end as known so far. Undefined: unchanged.
 */
export function vmimRecordOf(
  status: VirtualMachineInstanceMigrationStatus,
  state: MigrationState | undefined,
  vmi: VMI | undefined,
  pods: Pod[],
): VirtualMachineInstanceMigrationStatus["migrationState"] {
  if (state) return structuredClone(state);
  if (isHandedOff(status.phase ?? "") || !vmi?.status?.nodeName) return undefined;
  const source = sourcePodOf(vmi, pods);
  return {
    ...status.migrationState,
    sourceNode: vmi.status.nodeName,
    ...(source ? { sourcePod: source.metadata?.name ?? "" } : {}),
  };
}
