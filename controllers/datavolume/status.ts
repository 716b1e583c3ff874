/**
 * A DataVolume's status from its claim, as CDI's DataVolume controller reports it: the phase,
 * progress, restarts and the Bound, Running and Ready conditions. Pure: table-tested.
 */
import {
  ANN_POD_PHASE,
  ANN_POD_RESTARTS,
  ANN_PROGRESS,
  ANN_RUNNING_CONDITION,
  ANN_RUNNING_MESSAGE,
  ANN_RUNNING_REASON,
  type Condition,
  type DataVolumePhase,
  type DataVolumeStatus,
  type DV,
  immediateBindingRequested,
  type PersistentVolumeClaim,
  SELECTED_NODE,
  type StorageClass,
} from "../../api/mod.ts";
import { timestamp, withCondition } from "../../api/conditions.ts";
import type { ClaimProblem } from "./claim_for.ts";

/** A reason the DataVolume has no usable claim, and the phase it leaves it in. */
export interface DvProblem extends ClaimProblem {
  phase: "Pending" | "Failed";
}

/** Everything the status depends on. */
export interface DvStatusInputs {
  dv: DV;
  /** The DataVolume's own claim; undefined when there is none (or only someone else's). */
  claim: PersistentVolumeClaim | undefined;
  /** The claim's StorageClass, if it names one that exists. */
  storageClass: StorageClass | undefined;
  /** Why there is no claim to report on. */
  problem?: DvProblem | undefined;
  now: number;
}

const IN_PROGRESS = new Set(["ImportInProgress", "CloneInProgress"]);

/** The phase CDI reports for a DataVolume with this claim. */
export function dataVolumePhaseOf(inputs: Omit<DvStatusInputs, "now">): DataVolumePhase {
  const { dv, claim, storageClass, problem } = inputs;
  if (problem) return problem.phase;
  if (!claim) return "Pending";
  const phase = claim.status?.phase ?? "Pending";
  if (phase === "Lost") return "Failed";
  if (phase !== "Bound") {
    // A claim asking for immediate binding is placed without a consumer (CDI: no WFFC phase).
    const annotations = claim.metadata?.annotations;
    const waitsForConsumer = storageClass?.volumeBindingMode === "WaitForFirstConsumer" &&
      !annotations?.[SELECTED_NODE] && !immediateBindingRequested(annotations);
    return waitsForConsumer ? "WaitForFirstConsumer" : "Pending";
  }
  const clone = !!dv.spec.source?.pvc;
  switch (claim.metadata?.annotations?.[ANN_POD_PHASE]) {
    case "Running":
      return clone ? "CloneInProgress" : "ImportInProgress";
    case "Succeeded":
      return "Succeeded";
    case "Failed":
      return "Failed";
    default:
      return clone ? "CloneScheduled" : "ImportScheduled";
  }
}

function cond(
  type: string,
  status: Condition["status"],
  reason?: string,
  message?: string,
): Condition {
  return { type, status, ...(reason ? { reason } : {}), ...(message ? { message } : {}) };
}

function boundCondition(i: Omit<DvStatusInputs, "now">, phase: DataVolumePhase): Condition {
  const name = i.dv.metadata.name;
  if (i.problem) return cond("Bound", "False", i.problem.reason, i.problem.message);
  if (!i.claim) return cond("Bound", "False", "Pending", `PVC ${name} does not exist yet`);
  switch (i.claim.status?.phase) {
    case "Bound":
      return cond("Bound", "True", "Bound", `PVC ${name} Bound`);
    case "Lost":
      return cond("Bound", "False", "ClaimLost", `PVC ${name} lost`);
    default:
      return phase === "WaitForFirstConsumer"
        ? cond("Bound", "False", "Pending", `PVC ${name} waits for its first consumer`)
        : cond("Bound", "False", "Pending", `PVC ${name} Pending`);
  }
}

function runningCondition(i: Omit<DvStatusInputs, "now">, phase: DataVolumePhase): Condition {
  const annotations = i.claim?.metadata?.annotations ?? {};
  const reason = annotations[ANN_RUNNING_REASON];
  const message = annotations[ANN_RUNNING_MESSAGE];
  if (phase === "Succeeded") return cond("Running", "False", "Completed", message);
  if (phase === "Failed") {
    if (i.problem) return cond("Running", "False", i.problem.reason, i.problem.message);
    if (i.claim?.status?.phase === "Lost") {
      return cond("Running", "False", "ClaimLost", `PVC ${i.dv.metadata.name} lost`);
    }
    return cond("Running", "False", reason || "Error", message || "The import failed");
  }
  if (!i.claim || i.claim.status?.phase !== "Bound") return cond("Running", "False");
  const running = annotations[ANN_RUNNING_CONDITION] === "true" ? "True" : "False";
  return cond("Running", running, reason, message);
}

function readyCondition(phase: DataVolumePhase): Condition {
  return phase === "Succeeded" ? cond("Ready", "True") : cond("Ready", "False");
}

/** `ANN_POD_RESTARTS` as a count; 0 when absent or not a count. */
function restartsOf(claim: PersistentVolumeClaim | undefined): number {
  const n = Number(claim?.metadata?.annotations?.[ANN_POD_RESTARTS] ?? 0);
  return Number.isInteger(n) && n >= 0 ? n : 0;
}

/** The status to write for `inputs.dv`; equal to the current one when nothing changed. */
export function dataVolumeStatusOf(inputs: DvStatusInputs): DataVolumeStatus {
  const { dv, claim, now } = inputs;
  const status: DataVolumeStatus = structuredClone(dv.status ?? {});
  const phase = dataVolumePhaseOf(inputs);
  status.phase = phase;
  status.progress = phase === "Succeeded"
    ? "100.0%"
    : IN_PROGRESS.has(phase)
    ? claim?.metadata?.annotations?.[ANN_PROGRESS] ?? "N/A"
    : "N/A";
  status.restartCount = restartsOf(claim);
  if (claim) status.claimName = claim.metadata?.name ?? "";
  else delete status.claimName;
  const at = timestamp(now);
  let conditions = status.conditions as Condition[] | undefined;
  // A condition's heartbeat moves only when it changes, so that an unchanged pass writes nothing.
  for (
    const next of [
      boundCondition(inputs, phase),
      runningCondition(inputs, phase),
      readyCondition(phase),
    ]
  ) {
    conditions = withCondition(conditions, { ...next, lastHeartbeatTime: at }, at);
  }
  status.conditions = conditions as DataVolumeStatus["conditions"];
  return status;
}
