/**
 * What a launcher pod's state means for its VMI: whether it still holds the VMI's place, why
 * the VMI lost it, and the VMI's Ready condition. The controllers apply these rules until the
 * VMI is handed to a node, the agent of that node from then on (api/ownership.ts).
 */
import type { Condition } from "./meta.ts";
import type { CoreCondition, Pod } from "./objects.ts";
import { isFinished } from "./phases.ts";
import { POD_TERMINATING_REASON, VMI_READY_CONDITION } from "./vmi_conditions.ts";

/** Deleted, or ended: the pod no longer holds the VMI's place on its node. */
export function isPodDown(pod: Pod): boolean {
  return !!pod.metadata?.deletionTimestamp || isFinished(pod.status?.phase);
}

/** The pod's condition of `type`. */
export function podCondition(pod: Pod | undefined, type: string): CoreCondition | undefined {
  return pod?.status?.conditions?.find((c) => c.type === type);
}

/** Why a VMI lost its launcher pod, as `status.reason` and an Event tell it. */
export interface PodLoss {
  reason:
    | "LauncherPodMissing"
    | "LauncherPodEvicted"
    | "LauncherPodDeleted"
    | "LauncherPodFailed"
    | "LauncherPodCompleted";
  message: string;
}

/**
 * Undefined while the pod holds the VMI's place; else why it does not. Under a VMI on a node, a
 * pod being deleted is the agent's to act on (it shuts the guest down within the pod's grace
 * period, as virt-launcher would): it counts as lost only once its deletion deadline passed.
 */
export function podLossOf(
  pod: Pod | undefined,
  onNode = false,
  now = Date.now(),
): PodLoss | undefined {
  if (!pod) return { reason: "LauncherPodMissing", message: "The virt-launcher pod is gone" };
  if (!isPodDown(pod)) return undefined;
  const deadline = Date.parse(pod.metadata?.deletionTimestamp ?? "");
  const phase = pod.status?.phase;
  if (onNode && phase !== "Failed" && phase !== "Succeeded" && now < deadline) return undefined;
  const name = pod.metadata?.name;
  const detail = pod.status?.message ? `: ${pod.status.message}` : "";
  if (pod.status?.reason === "Evicted") {
    return {
      reason: "LauncherPodEvicted",
      message: `The virt-launcher pod ${name} was evicted${detail}`,
    };
  }
  if (pod.metadata?.deletionTimestamp) {
    return {
      reason: "LauncherPodDeleted",
      message: `The virt-launcher pod ${name} is being deleted`,
    };
  }
  if (pod.status?.phase === "Failed") {
    return {
      reason: "LauncherPodFailed",
      message: `The virt-launcher pod ${name} failed${detail}`,
    };
  }
  return { reason: "LauncherPodCompleted", message: `The virt-launcher pod ${name} completed` };
}

/** The VMI's Ready condition from its pod (KubeVirt's syncReadyConditionFromPod). */
export function readyConditionOf(phase: string, pod: Pod | undefined): Condition {
  const notReady = (reason: string, message: string): Condition => ({
    type: VMI_READY_CONDITION,
    status: "False",
    reason,
    message,
  });
  if (!pod) return notReady("PodNotExists", "virt-launcher pod has not yet been scheduled");
  if (isPodDown(pod)) return notReady(POD_TERMINATING_REASON, "virt-launcher pod is terminating");
  if (phase !== "Running") {
    return notReady("GuestNotRunning", "Guest VM is not reported as running");
  }
  const ready = podCondition(pod, "Ready");
  if (!ready) {
    return notReady("PodConditionMissing", "virt-launcher pod is missing the Ready condition");
  }
  return {
    type: VMI_READY_CONDITION,
    status: ready.status,
    ...(ready.reason ? { reason: ready.reason } : {}),
    ...(ready.message ? { message: ready.message } : {}),
  };
}
