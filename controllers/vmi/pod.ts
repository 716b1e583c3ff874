/** The core/v1 Pod fields the VMI controller reads and writes. */
import { type CoreCondition, isFinished, type Pod } from "../../api/mod.ts";

/** Deleted, or ended: the pod no longer holds the VMI's place on its node. */
export function isPodDown(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return !!pod.metadata?.deletionTimestamp || isFinished(phase);
}

/** The pod's condition of `type`. */
export function podCondition(pod: Pod | undefined, type: string): CoreCondition | undefined {
  return pod?.status?.conditions?.find((c) => c.type === type);
}
