/**
 * observe -> plan for one VirtualMachineInstanceMigration, as KubeVirt's migration controller
 * moves it: Pending (a target pod is made) -> Scheduling -> Scheduled (kube-scheduler bound it)
 * -> PreparingTarget (the VMI's migrationState names both ends) -> TargetReady (the target
 * agent is ready) -> Running (the source agent started libvirt's job) -> Succeeded (the VMI runs
 * on the target node) or Failed. adr/0012-live-migration.md has who writes what. Pure.
 */
import {
  isFinished,
  isMigrationFinal,
  isPodDown,
  MIGRATION_ABORT_REQUESTED_CONDITION,
  MIGRATION_FINALIZER,
  MIGRATION_JOB_LABEL,
  MIGRATION_TARGET_NODE_LABEL,
  MIGRATION_VMI_LABEL,
  type MigrationPhase,
  type MigrationState,
  type Pod,
  podCondition,
  type VirtualMachineInstanceMigrationStatus,
  type VMI,
  type VMIM,
} from "../../api/mod.ts";
import { timestamp, withCondition } from "../../api/conditions.ts";
import { editFinalizers } from "../writes.ts";
import type { LauncherOptions } from "../vmi/launcher_pod.ts";
import { targetPodFor } from "./target_pod.ts";

/** How long a target pod may wait to be placed (KubeVirt's pending timeouts), in seconds. */
export interface PendingTimeouts {
  unschedulableSeconds: number;
  pendingSeconds: number;
}

/** KubeVirt's defaults: 5 minutes unschedulable, 15 minutes pending for any reason. */
export const DEFAULT_PENDING_TIMEOUTS: PendingTimeouts = {
  unschedulableSeconds: 300,
  pendingSeconds: 900,
};

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

type Event = { type: "Normal" | "Warning"; reason: string; message: string };

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
  events: Event[];
  requeueAfterMs: number | undefined;
}

const FAILED = "FailedMigration";
/** The record's fields the controllers set when they hand a migration to the agents. */
const RECORD_FIELDS = ["migrationUid", "sourceNode", "sourcePod", "targetNode", "targetPod"];

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
  const plan: MigrationPlan = {
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
  const deleting = !!vmim.metadata.deletionTimestamp;
  const vmiName = vmim.spec.vmiName;
  if (vmim.metadata.labels?.[MIGRATION_VMI_LABEL] !== vmiName && !deleting) {
    plan.labels = { ...vmim.metadata.labels, [MIGRATION_VMI_LABEL]: vmiName };
  }
  const finalizers = vmim.metadata.finalizers ?? [];
  const setFinalizers = (next: string[]) => {
    if (next.join() !== finalizers.join()) plan.finalizers = next;
  };

  const moveTo = (next: MigrationPhase) => setPhase(status, next, at);
  const target = pods.find((p) => p.metadata?.labels?.[MIGRATION_JOB_LABEL] === uid);
  const record = vmi?.status?.migrationState;
  // The VMI's record of this migration, once the controllers handed it to the agents.
  const state = record?.migrationUid === uid ? record : undefined;
  const fail = (message: string) => {
    moveTo("Failed");
    plan.events.push({ type: "Warning", reason: FAILED, message });
    if (target && !isPodDown(target)) plan.deletePods.push(target);
  };
  const requestAbort = () => {
    status.conditions = withCondition(status.conditions, {
      type: MIGRATION_ABORT_REQUESTED_CONDITION,
      status: "True",
      lastProbeTime: at,
    }, at);
  };

  if (isMigrationFinal(phase)) {
    // Over: let the VMIM go, and never leave a failed migration's target pod behind.
    setFinalizers(editFinalizers(finalizers, [], [MIGRATION_FINALIZER]));
    if (phase === "Failed" && target && !isPodDown(target)) plan.deletePods.push(target);
    if (state) status.migrationState = structuredClone(state);
    // The target's agent watches VMIs by this label: it goes once the migration is over.
    if (state && vmi?.metadata.labels?.[MIGRATION_TARGET_NODE_LABEL] !== undefined) {
      plan.vmiLabels = { [MIGRATION_TARGET_NODE_LABEL]: null };
    }
    return plan;
  }
  if (!deleting) setFinalizers(editFinalizers(finalizers, [MIGRATION_FINALIZER]));
  const completed = !!state?.completed && !state.failed;
  const started = phase !== "" && phase !== "Pending";

  if (!vmi) fail("Migration failed because vmi does not exist.");
  else if (vmi.metadata.deletionTimestamp || isFinished(vmi.status?.phase)) {
    fail("Migration failed vmi shutdown during migration.");
  } else if (deleting && !state) {
    requestAbort();
    fail("Migration failed due to being canceled");
  } else if (target && isPodDown(target) && !completed) {
    fail("Migration failed because target pod shutdown during migration");
  } else if (started && !target && !completed) {
    fail("Migration target pod was removed during active migration.");
  } else if (isHandedOff(phase) && !state) {
    fail("VMI's migration state was taken over by another migration job during active migration.");
  } else if (state?.failed || state?.abortStatus === "Succeeded") {
    fail("source node reported migration failed");
  } else {
    if (deleting && state && !completed) {
      requestAbort();
      if (!state.abortRequested) {
        plan.vmiMigrationState = { abortRequested: true };
        plan.events.push({
          type: "Normal",
          reason: "SuccessfulAbortMigration",
          message: "Migration is ready to be canceled by the source node's agent.",
        });
      }
    }
    advance(observed, launcher, plan, target, state, now, moveTo);
  }
  labelTargetNode(plan, vmi, state?.targetNode ?? plan.vmiMigrationState?.targetNode);
  if (state) status.migrationState = structuredClone(state);
  else if (!isHandedOff(status.phase ?? "") && vmi?.status?.nodeName) {
    const source = sourcePodOf(vmi, pods);
    status.migrationState = {
      ...status.migrationState,
      sourceNode: vmi.status.nodeName,
      ...(source ? { sourcePod: source.metadata?.name ?? "" } : {}),
    };
  }
  return plan;
}

/**
 * Keeps the target node label on the VMI while its record names a target and the migration is not
 * over (the target's agent watches VMIs by it); the final pass removes it.
 */
function labelTargetNode(plan: MigrationPlan, vmi: VMI | undefined, target: unknown): void {
  if (!vmi || isMigrationFinal(plan.status.phase ?? "") || typeof target !== "string" || !target) {
    return;
  }
  if (vmi.metadata.labels?.[MIGRATION_TARGET_NODE_LABEL] !== target) {
    plan.vmiLabels = { [MIGRATION_TARGET_NODE_LABEL]: target };
  }
}

/** Moves the phase forward as far as what is observed allows. */
function advance(
  observed: MigrationObserved,
  launcher: LauncherOptions,
  plan: MigrationPlan,
  target: Pod | undefined,
  state: MigrationState | undefined,
  now: number,
  moveTo: (phase: MigrationPhase) => void,
): void {
  const { vmim, vmi, pods } = observed;
  const status = plan.status;
  if (!vmi) return;
  for (;;) {
    const phase: MigrationPhase = status.phase ?? "";
    let next: MigrationPhase | undefined;
    if (phase === "") {
      const busy = observed.others.find((m) => isActive(m.status?.phase));
      if (busy) {
        moveTo("Failed");
        plan.events.push({
          type: "Warning",
          reason: FAILED,
          message:
            "VMI is not eligible for migration because another migration job is in progress.",
        });
        return;
      }
      next = "Pending";
    } else if (phase === "Pending") {
      if (target) next = "Scheduling";
      else if (vmi.status?.phase === "Running" && sourcePodOf(vmi, pods)) {
        plan.createPod = targetPodFor(vmi, vmim, launcher);
        plan.events.push({
          type: "Normal",
          reason: "SuccessfulCreate",
          message: `Created migration target pod ${plan.createPod.metadata?.name}`,
        });
      }
    } else if (phase === "Scheduling" && target) {
      if (target.spec?.nodeName) next = "Scheduled";
      else planPendingTimeout(observed, plan, target, now, moveTo);
    } else if (phase === "Scheduled" && target?.spec?.nodeName) {
      // PreparingTarget once the VMI shows the record: the agents act on what it says.
      if (state) next = "PreparingTarget";
      else {
        plan.vmiMigrationState = freshRecord(vmi, vmim, target, pods);
        plan.events.push({
          type: "Normal",
          reason: "SuccessfulHandOver",
          message: "Migration target pod is ready for preparation by the target node's agent.",
        });
      }
    } else if (phase === "PreparingTarget" && state?.targetNodeAddress) next = "TargetReady";
    else if (phase === "TargetReady" && state?.startTimestamp) next = "Running";
    else if (phase === "Running" && state?.completed && !state.failed) {
      // The VMI controller switches the VMI to the target node; then the source pod can go.
      if (vmi.status?.nodeName === state.targetNode) {
        const source = pods.find((p) => p.metadata?.name === state.sourcePod);
        if (source && !isPodDown(source)) plan.deletePods.push(source);
        plan.events.push({
          type: "Normal",
          reason: "SuccessfulMigration",
          message: "Source node reported migration succeeded",
        });
        next = "Succeeded";
      }
    }
    if (!next) return;
    moveTo(next);
  }
}

/** Fails the migration once its target pod waited too long to be placed; else looks again then. */
function planPendingTimeout(
  observed: MigrationObserved,
  plan: MigrationPlan,
  target: Pod,
  now: number,
  moveTo: (phase: MigrationPhase) => void,
): void {
  const created = Date.parse(target.metadata?.creationTimestamp ?? "");
  if (Number.isNaN(created) || target.status?.phase !== "Pending") return;
  const waited = Math.max(0, Math.floor((now - created) / 1000));
  const { unschedulableSeconds, pendingSeconds } = observed.timeouts;
  const scheduled = podCondition(target, "PodScheduled");
  const unschedulable = scheduled?.status === "False" && scheduled.reason === "Unschedulable";
  const name = `${target.metadata?.namespace}/${target.metadata?.name}`;
  const fail = (message: string) => {
    moveTo("Failed");
    plan.deletePods.push(target);
    plan.events.push({ type: "Warning", reason: FAILED, message });
  };
  if (unschedulable && waited >= unschedulableSeconds) {
    return fail(
      `Migration target pod is unschedulable: unschedulable pod ${name} timeout period exceeded`,
    );
  }
  if (waited >= pendingSeconds) {
    return fail(`Migration target pod is pending: pending pod ${name} timeout period exceeded`);
  }
  const left = Math.min(unschedulable ? unschedulableSeconds : Infinity, pendingSeconds) - waited;
  plan.requeueAfterMs = left * 1000;
}

/** The VMI's running launcher pod on its node. */
function sourcePodOf(vmi: VMI, pods: Pod[]): Pod | undefined {
  return pods.find((p) =>
    p.spec?.nodeName === vmi.status?.nodeName && !isPodDown(p) &&
    !p.metadata?.labels?.[MIGRATION_JOB_LABEL]
  ) ?? pods.find((p) => p.spec?.nodeName === vmi.status?.nodeName && !isPodDown(p));
}

/**
 * The merge patch that starts this migration's record on the VMI: both ends named, every field
 * of an earlier migration cleared (null), so that no agent reads a stale `completed`.
 */
function freshRecord(vmi: VMI, vmim: VMIM, target: Pod, pods: Pod[]): Record<string, unknown> {
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

const HANDED_OFF: readonly string[] = ["PreparingTarget", "TargetReady", "Running"];
const isHandedOff = (phase: string) => HANDED_OFF.includes(phase);
const isActive = (phase: string | undefined) => !!phase && phase !== "" && !isMigrationFinal(phase);

/** Sets the phase and records when it was entered in `phaseTransitionTimestamps`. */
function setPhase(
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
