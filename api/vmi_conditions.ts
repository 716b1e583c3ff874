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

/** KubeVirt's VMI condition summing up the Ready conditions of the DataVolumes it uses. */
export const DATA_VOLUMES_READY_CONDITION = "DataVolumesReady";

/**
 * The DataVolumesReady condition of a VMI from the Ready condition of each existing DataVolume it
 * uses (as KubeVirt: True when all are, else False when one is False, else Unknown); undefined
 * when it uses none.
 */
export function dataVolumesReadyCondition(
  readies: ReadonlyArray<"True" | "False" | "Unknown" | undefined>,
): Condition | undefined {
  if (readies.length === 0) return undefined;
  const all = readies.map((ready) => ready ?? "Unknown");
  if (all.every((ready) => ready === "True")) {
    return {
      type: DATA_VOLUMES_READY_CONDITION,
      status: "True",
      reason: "AllDVsReady",
      message: "All of the VMI's DVs are bound and not running",
    };
  }
  return {
    type: DATA_VOLUMES_READY_CONDITION,
    status: all.includes("False") ? "False" : "Unknown",
    reason: "NotAllDVsReady",
    message: "Not all of the VMI's DVs are ready",
  };
}
