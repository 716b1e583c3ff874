/** observe -> plan for one DataVolume: its claim, its status and the Events. Pure. */
import type { DataVolumeStatus, DV, PersistentVolumeClaim, StorageClass } from "../../api/mod.ts";
import { conditionOf } from "../../api/conditions.ts";
import { claimFor, type CloneSource, cloneSourceOf, isClaimOf } from "./claim_for.ts";
import { dataVolumeStatusOf, type DvProblem } from "./status.ts";

/** What a pass sees of one DataVolume. */
export interface DvObserved {
  dv: DV;
  /** The claim of the DataVolume's name, whoever controls it. */
  claim: PersistentVolumeClaim | undefined;
  /** The StorageClass the claim names (undefined when it names none, or none that exists). */
  storageClass: StorageClass | undefined;
  /** For a clone whose claim is still to be made: its source claim and that claim's volume. */
  clone?: CloneSource;
  /** Creating the claim failed just now with this message: report it instead. */
  claimCreateError?: string;
}

/** An Event to record about the DataVolume. */
export interface PlannedEvent {
  type: "Normal" | "Warning";
  reason: string;
  message: string;
}

/** What a pass will do for one DataVolume. */
export interface DvPlan {
  createClaim: PersistentVolumeClaim | undefined;
  /** The next status (written only when it differs). */
  status: DataVolumeStatus;
  /** Recorded once the status is written. */
  events: PlannedEvent[];
  /** Look again then (a clone's source to appear or bind). */
  requeueAfterMs: number | undefined;
}

/** A clone waiting for its source is looked at again this often (sources are not watched). */
export const CLONE_SOURCE_POLL_MS = 5_000;

/** The plan for one DataVolume at time `now`. */
export function planDataVolume(observed: DvObserved, now: number): DvPlan {
  const { dv, claim: named, storageClass } = observed;
  const claim = named && isClaimOf(named, dv) ? named : undefined;
  let problem: DvProblem | undefined;
  let createClaim: PersistentVolumeClaim | undefined;
  let requeueAfterMs: number | undefined;
  if (named && !claim) {
    problem = {
      phase: "Pending",
      reason: "ErrResourceExists",
      message: `Resource "${named.metadata?.name}" already exists and is not managed by ` +
        `DataVolume ${dv.metadata.namespace}/${dv.metadata.name}`,
    };
  } else if (!claim && observed.claimCreateError) {
    problem = { phase: "Pending", reason: "ErrClaimNotValid", message: observed.claimCreateError };
  } else if (!claim) {
    const decision = claimFor(dv, observed.clone);
    if ("fail" in decision) problem = { phase: "Failed", ...decision.fail };
    else if ("wait" in decision) {
      problem = { phase: "Pending", ...decision.wait };
      requeueAfterMs = CLONE_SOURCE_POLL_MS;
    } else createClaim = decision.claim;
  }
  const status = dataVolumeStatusOf({ dv, claim, storageClass, problem, now });
  return { createClaim, status, events: eventsOf(dv, status, problem), requeueAfterMs };
}

/** CDI's Events for the step from the DataVolume's current status to `next`. */
export function eventsOf(
  dv: DV,
  next: DataVolumeStatus,
  problem: DvProblem | undefined,
): PlannedEvent[] {
  const before = dv.status;
  const events: PlannedEvent[] = [];
  const boundBefore = conditionOf(before?.conditions, "Bound");
  const boundNow = conditionOf(next.conditions, "Bound");
  if (problem) {
    // Each new problem once; a Failed one is an "Error" as CDI reports it.
    if (before?.phase !== next.phase || boundBefore?.message !== boundNow?.message) {
      const reason = problem.phase === "Failed" ? "Error" : problem.reason;
      events.push({ type: "Warning", reason, message: problem.message });
    }
    return events;
  }
  const name = dv.metadata.name;
  if (boundNow?.status === "True" && boundBefore?.status !== "True") {
    events.push({ type: "Normal", reason: "Bound", message: `PVC ${name} Bound` });
  }
  if (before?.phase === next.phase) return events;
  const source = cloneSourceOf(dv);
  const from = source ? `${source.namespace}/${source.name}` : "";
  const into = `${dv.metadata.namespace}/${name}`;
  const running = conditionOf(next.conditions, "Running");
  const normal = (reason: string, message: string) =>
    events.push({ type: "Normal", reason, message });
  switch (next.phase) {
    case "Pending":
      normal("Pending", `PVC ${name} Pending`);
      break;
    case "WaitForFirstConsumer":
      normal("WaitForFirstConsumer", `PVC ${name} waits for its first consumer`);
      break;
    case "ImportScheduled":
      normal("ImportScheduled", `Import into ${name} scheduled`);
      break;
    case "ImportInProgress":
      normal("ImportInProgress", `Import into ${name} in progress`);
      break;
    case "CloneScheduled":
      normal("CloneScheduled", `Cloning from ${from} into ${into} scheduled`);
      break;
    case "CloneInProgress":
      normal("CloneInProgress", `Cloning from ${from} into ${into} in progress`);
      break;
    case "Succeeded":
      if (source) normal("CloneSucceeded", `Successfully cloned from ${from} into ${into}`);
      else normal("ImportSucceeded", `Successfully imported into PVC ${name}`);
      break;
    case "Failed":
      events.push({
        type: "Warning",
        reason: boundNow?.reason === "ClaimLost"
          ? "Error"
          : source
          ? "CloneFailed"
          : "ImportFailed",
        message: boundNow?.reason === "ClaimLost"
          ? `PVC ${name} lost`
          : `Failed to ${source ? `clone from ${from} into ${into}` : `import into PVC ${name}`}` +
            (running?.message ? `: ${running.message}` : ""),
      });
      break;
  }
  return events;
}
