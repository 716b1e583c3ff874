/** What a VMI's conditions mean, decided once for every role. */
import type { Condition } from "./meta.ts";

/** The VMI condition that mirrors its launcher pod's readiness (KubeVirt's `Ready`). */
export const VMI_READY_CONDITION = "Ready";
/** The Ready condition's reason while the VMI's launcher pod is being deleted. */
export const POD_TERMINATING_REASON = "PodTerminating";

type WithConditions = { status?: { conditions?: readonly Condition[] } | null };

const readyOf = (vmi: WithConditions) =>
  vmi.status?.conditions?.find((c) => c.type === VMI_READY_CONDITION);

/** Whether the VMI's Ready condition is True: ready to receive traffic. */
export function isVmiReady(vmi: WithConditions): boolean {
  return readyOf(vmi)?.status === "True";
}

/** Whether the VMI is not ready because its launcher pod is going away (KubeVirt's "unknown"). */
export function isVmiPodTerminating(vmi: WithConditions): boolean {
  const ready = readyOf(vmi);
  return ready?.status === "False" && ready.reason === POD_TERMINATING_REASON;
}
