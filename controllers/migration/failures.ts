/**
 * What ends a migration that is not over yet as Failed, in KubeVirt's order and words: its VMI
 * gone or stopping, a cancel before the hand-off, its target pod down or gone, its record taken
 * by another migration, or the source node's report. Pure.
 */
import {
  isFinished,
  isPodDown,
  type MigrationPhase,
  type MigrationState,
  type Pod,
  type VMI,
} from "../../api/mod.ts";
import { isCompletedRecord, isHandedOff } from "./handoff.ts";

/** What the failure checks read of one pass. */
export interface FailureInputs {
  vmi: VMI | undefined;
  /** The VMIM's phase as read. */
  phase: MigrationPhase;
  /** The VMIM is being deleted: a cancel. */
  deleting: boolean;
  /** This migration's target pod, if the cache has it. */
  target: Pod | undefined;
  /** The VMI's record of this migration, once the controllers handed it to the agents. */
  state: MigrationState | undefined;
}

/** Why the migration fails; `canceled` when the cause is a cancel (it gets the abort condition). */
export type MigrationFailure = { message: string; canceled: boolean };

/** The first reason the migration fails now, or undefined when it goes on. */
export function failureOf(inputs: FailureInputs): MigrationFailure | undefined {
  const { vmi, phase, deleting, target, state } = inputs;
  const completed = isCompletedRecord(state);
  const started = phase !== "" && phase !== "Pending";
  const fail = (message: string, canceled = false) => ({ message, canceled });
  if (!vmi) return fail("Migration failed because vmi does not exist.");
  if (vmi.metadata.deletionTimestamp || isFinished(vmi.status?.phase)) {
    return fail("Migration failed vmi shutdown during migration.");
  }
  if (deleting && !state) return fail("Migration failed due to being canceled", true);
  if (target && isPodDown(target) && !completed) {
    return fail("Migration failed because target pod shutdown during migration");
  }
  if (started && !target && !completed) {
    return fail("Migration target pod was removed during active migration.");
  }
  if (isHandedOff(phase) && !state) {
    return fail(
      "VMI's migration state was taken over by another migration job during active migration.",
    );
  }
  if (state?.failed || state?.abortStatus === "Succeeded") {
    return fail("source node reported migration failed");
  }
  return undefined;
}
