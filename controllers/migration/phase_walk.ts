/**
 * The walk of a migration's phases as KubeVirt's migration controller takes it: Pending (a target
 * pod is made) -> Scheduling -> Scheduled (kube-scheduler bound it) -> PreparingTarget (the VMI's
 * record names both ends) -> TargetReady (the target agent is ready) -> Running (the source agent
 * started libvirt's job) -> Succeeded (the VMI runs on the target node). Each step is taken once
 * what it waits for is observed, and as many as the observed state allows in one pass. Pure.
 */
import {
  isMigrationFinal,
  isPodDown,
  type MigrationPhase,
  type MigrationState,
  type Pod,
} from "../../api/mod.ts";
import { timestamp } from "../../api/conditions.ts";
import type { LauncherOptions } from "../vmi/launcher_pod.ts";
import { freshRecordFor } from "./handoff.ts";
import { enterPhase, failMigration, type MigrationObserved, type MigrationPlan } from "./pass.ts";
import { pendingVerdictOf } from "./pending_timeout.ts";
import { sourcePodOf } from "./pods.ts";
import { targetPodFor } from "./target_pod.ts";

const isActive = (phase: string | undefined) => !!phase && phase !== "" && !isMigrationFinal(phase);

/** Moves the phase forward as far as what is observed allows. */
export function walkPhases(
  observed: MigrationObserved,
  launcher: LauncherOptions,
  plan: MigrationPlan,
  target: Pod | undefined,
  state: MigrationState | undefined,
  now: number,
): void {
  const { vmim, vmi, pods } = observed;
  const status = plan.status;
  const at = timestamp(now);
  if (!vmi) return;
  for (;;) {
    const phase: MigrationPhase = status.phase ?? "";
    let next: MigrationPhase | undefined;
    if (phase === "") {
      // The webhook refuses a second migration in flight; this catches two admitted at once.
      if (observed.others.some((m) => isActive(m.status?.phase))) {
        failMigration(
          plan,
          "VMI is not eligible for migration because another migration job is in progress.",
          at,
        );
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
      else {
        const verdict = pendingVerdictOf(target, observed.timeouts, now);
        if (verdict && "failure" in verdict) {
          failMigration(plan, verdict.failure, at);
          plan.deletePods.push(target);
        } else if (verdict) plan.requeueAfterMs = verdict.requeueAfterMs;
      }
    } else if (phase === "Scheduled" && target?.spec?.nodeName) {
      // PreparingTarget once the VMI shows the record: the agents act on what it says.
      if (state) next = "PreparingTarget";
      else {
        plan.vmiMigrationState = freshRecordFor(vmi, vmim, target, pods);
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
    enterPhase(status, next, at);
  }
}
