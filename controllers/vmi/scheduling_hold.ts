/** The hold of a new pod's first Scheduling write while its binding may still come. */
import type { Pod } from "../../api/mod.ts";
import type { VmiPlan } from "./plan_types.ts";

/**
 * How long after its pod's creation second (`creationTimestamp` has whole seconds, so 0.5-1.5 s
 * after the creation itself) a VMI waits for the binding before it writes Scheduling. A pod bound
 * meanwhile makes Scheduling and Scheduled one status write instead of two; a pod that stays
 * unbound is reported Scheduling this late at most (the handover never waits).
 */
export const SCHEDULING_HOLD_MS = 1_500;

/** The creation time of `pod`, as Kubernetes writes times (seconds). */
export function createdAt(pod: Pod | undefined): string | undefined {
  return pod?.metadata?.creationTimestamp ?? undefined;
}

/**
 * Hold the first Scheduling write while the new pod may still be bound within
 * SCHEDULING_HOLD_MS of its creation; look again when that time is up.
 */
export function holdForBinding(plan: VmiPlan, phase: string, pod: Pod | undefined, now: number) {
  if (plan.status.phase !== "Scheduling" || (phase !== "" && phase !== "Pending")) return;
  if (plan.events.some((e) => e.type === "Warning")) return;
  const made = plan.createPod ? Math.floor(now / 1000) * 1000 : Date.parse(createdAt(pod) ?? "");
  // At most the whole hold, whatever the clocks of this host and the API server say.
  const left = Math.min(made + SCHEDULING_HOLD_MS - now, SCHEDULING_HOLD_MS);
  const unschedulable = pod?.status?.conditions?.some((c) =>
    c.type === "PodScheduled" && c.status === "False"
  );
  if (!(left > 0) || unschedulable) return;
  plan.holdStatus = true;
  plan.requeueAfterMs = Math.min(plan.requeueAfterMs ?? left, left);
}
