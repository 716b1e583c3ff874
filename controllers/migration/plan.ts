/**
 * observe -> plan for one VirtualMachineInstanceMigration, as KubeVirt's migration controller
 * drives it: the VMIM's own labels and finalizer, the end of a migration that is over, the checks
 * that fail one (failures.ts), a cancel (cancel.ts), the phase walk (phase_walk.ts) and the
 * hand-off record and label on the VMI (handoff.ts). adr/0012-live-migration.md has who writes
 * what. Pure.
 */
import {
  isMigrationFinal,
  isPodDown,
  MIGRATION_FINALIZER,
  MIGRATION_VMI_LABEL,
  type MigrationPhase,
  type VirtualMachineInstanceMigrationStatus,
} from "../../api/mod.ts";
import { timestamp } from "../../api/conditions.ts";
import { editFinalizers } from "../writes.ts";
import type { LauncherOptions } from "../vmi/launcher_pod.ts";
import { askSourceToAbort, markAbortRequested } from "./cancel.ts";
import { failureOf } from "./failures.ts";
import {
  isCompletedRecord,
  targetNodeLabelFor,
  targetNodeLabelRemoval,
  vmimRecordOf,
} from "./handoff.ts";
import { emptyPlan, failMigration, type MigrationObserved, type MigrationPlan } from "./pass.ts";
import { walkPhases } from "./phase_walk.ts";
import { targetPodOf } from "./pods.ts";

export type { MigrationObserved, MigrationPlan } from "./pass.ts";

/** The plan for one migration at time `now`. */
export function planMigration(
  observed: MigrationObserved,
  launcher: LauncherOptions,
  now: number,
): MigrationPlan {
  const { vmim, vmi, pods } = observed;
  const at = timestamp(now);
  const uid = vmim.metadata.uid ?? "";
  const status: VirtualMachineInstanceMigrationStatus = structuredClone(vmim.status ?? {});
  const phase: MigrationPhase = status.phase ?? "";
  const plan = emptyPlan(status);
  const deleting = !!vmim.metadata.deletionTimestamp;
  const vmiName = vmim.spec.vmiName;
  // The label lets `kubectl get vmim -l kubevirt.io/vmi-name=...` find a VMI's migrations.
  if (vmim.metadata.labels?.[MIGRATION_VMI_LABEL] !== vmiName && !deleting) {
    plan.labels = { ...vmim.metadata.labels, [MIGRATION_VMI_LABEL]: vmiName };
  }
  const finalizers = vmim.metadata.finalizers ?? [];
  const setFinalizers = (next: string[]) => {
    if (next.join() !== finalizers.join()) plan.finalizers = next;
  };
  const target = targetPodOf(pods, uid);
  const record = vmi?.status?.migrationState;
  // The VMI's record of this migration, once the controllers handed it to the agents.
  const state = record?.migrationUid === uid ? record : undefined;

  if (isMigrationFinal(phase)) {
    // Over: let the VMIM go, and never leave a failed migration's target pod behind.
    setFinalizers(editFinalizers(finalizers, [], [MIGRATION_FINALIZER]));
    if (phase === "Failed" && target && !isPodDown(target)) plan.deletePods.push(target);
    if (state) status.migrationState = structuredClone(state);
    plan.vmiLabels = targetNodeLabelRemoval(vmi, state);
    return plan;
  }
  // The finalizer holds a deleted VMIM until its cancel is settled.
  if (!deleting) setFinalizers(editFinalizers(finalizers, [MIGRATION_FINALIZER]));

  const failure = failureOf({ vmi, phase, deleting, target, state });
  if (failure) {
    if (failure.canceled) markAbortRequested(status, at);
    failMigration(plan, failure.message, at);
    if (target && !isPodDown(target)) plan.deletePods.push(target);
  } else {
    if (deleting && state && !isCompletedRecord(state)) askSourceToAbort(plan, state, at);
    walkPhases(observed, launcher, plan, target, state, now);
  }
  const label = targetNodeLabelFor(
    vmi,
    plan.status.phase ?? "",
    state?.targetNode ?? plan.vmiMigrationState?.targetNode,
  );
  if (label) plan.vmiLabels = label;
  const copy = vmimRecordOf(status, state, vmi, pods);
  if (copy !== undefined) status.migrationState = copy;
  return plan;
}
