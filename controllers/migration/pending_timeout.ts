/**
 * How long a migration's target pod may wait for a node, as KubeVirt's pending timeouts: a pod
 * kube-scheduler calls unschedulable fails the migration sooner than one pending for any other
 * reason, so that a migration with nowhere to go gives its VMI back quickly. Pure.
 */
import { type Pod, podCondition } from "../../api/mod.ts";

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

/** The migration fails with `failure`, or is looked at again after `requeueAfterMs`. */
export type PendingVerdict = { failure: string } | { requeueAfterMs: number };

/**
 * What the wait of a Pending, unbound target pod means at `now`; undefined when the pod is not
 * Pending (or has no creation time), since only a Pending pod's wait is timed.
 */
export function pendingVerdictOf(
  target: Pod,
  timeouts: PendingTimeouts,
  now: number,
): PendingVerdict | undefined {
  const created = Date.parse(target.metadata?.creationTimestamp ?? "");
  if (Number.isNaN(created) || target.status?.phase !== "Pending") return undefined;
  const waited = Math.max(0, Math.floor((now - created) / 1000));
  const { unschedulableSeconds, pendingSeconds } = timeouts;
  const scheduled = podCondition(target, "PodScheduled");
  const unschedulable = scheduled?.status === "False" && scheduled.reason === "Unschedulable";
  const name = `${target.metadata?.namespace}/${target.metadata?.name}`;
  if (unschedulable && waited >= unschedulableSeconds) {
    return {
      failure:
        `Migration target pod is unschedulable: unschedulable pod ${name} timeout period exceeded`,
    };
  }
  if (waited >= pendingSeconds) {
    return {
      failure: `Migration target pod is pending: pending pod ${name} timeout period exceeded`,
    };
  }
  const left = Math.min(unschedulable ? unschedulableSeconds : Infinity, pendingSeconds) - waited;
  return { requeueAfterMs: left * 1000 };
}
