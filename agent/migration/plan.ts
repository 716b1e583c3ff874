/**
 * The migration side of the agent's plan (adr/0012-live-migration.md): pure decisions for the
 * source node (start the job, abort it, settle a migration whose job this process lost) and for
 * the target node (prepare, report the domain, clean up after a failure).
 */
import { isFinished, type MigrationState, type VirtualMachineInstance } from "../../api/mod.ts";
import { isAssignedTo } from "../../api/migration_state.ts";
import type { Action, Observation, ObservedDomain, Plan } from "../vmi/types.ts";

/** How often a running migration's progress is read against the policy's timeouts. */
export const PROGRESS_POLL_MS = 1_000;

/** The reason an agent gives for a migration its restart interrupted. */
export const AGENT_RESTARTED = "agent restarted";

/** The VMI's migration record when this node is its source and it has not ended. */
export function sourceMigrationOf(
  vmi: VirtualMachineInstance,
  node: string,
): MigrationState | undefined {
  const state = vmi.status?.migrationState;
  if (!state?.migrationUid || state.sourceNode !== node || state.targetNode === node) {
    return undefined;
  }
  return state;
}

/**
 * Source steps for a VMI running here, appended to the running plan; `hold` says the domain's
 * absence is the migration's doing (the running plan must not call it lost).
 */
export function sourceSteps(
  o: Observation,
  vmi: VirtualMachineInstance,
  domain: ObservedDomain | undefined,
): { actions: Action[]; hold: boolean; requeueAfterMs?: number } {
  const state = sourceMigrationOf(vmi, o.node);
  if (!state) return { actions: [], hold: false };
  if (state.completed) {
    // Gone to the target: the controllers switch nodeName; nothing of it is left to run here.
    return { actions: [], hold: !domain };
  }
  if (state.failed) return { actions: [], hold: false };
  const job = o.migrationJob?.migrationUid === state.migrationUid;
  if (job) {
    const abort = state.abortRequested && !state.abortStatus && !o.migrationJob?.aborting;
    const actions: Action[] = abort ? [{ type: "abortMigration" }] : [];
    actions.push({ type: "checkMigrationProgress" });
    return { actions, hold: true, requeueAfterMs: PROGRESS_POLL_MS };
  }
  if (state.startTimestamp) {
    // Started by this node's agent before it restarted: libvirt tells how it went.
    if (!domain) {
      return {
        actions: [
          { type: "writeMigrationState", fields: { completed: true, endTimestamp: o.now } },
          { type: "removeFiles", uid: vmi.metadata.uid!, keepSerialLog: false },
        ],
        hold: true,
      };
    }
    const fields: Partial<MigrationState> = {
      failed: true,
      failureReason: AGENT_RESTARTED,
      endTimestamp: o.now,
    };
    if (state.abortRequested) fields.abortStatus = "Succeeded";
    return {
      actions: [{ type: "abortMigrationJob" }, { type: "writeMigrationState", fields }],
      hold: false,
    };
  }
  if (state.abortRequested) {
    // Cancelled before it began: nothing to abort, the guest runs here.
    const fields: Partial<MigrationState> = {
      abortStatus: "Succeeded",
      failed: true,
      failureReason: "Migration aborted before it started",
      endTimestamp: o.now,
    };
    return { actions: [{ type: "writeMigrationState", fields }], hold: false };
  }
  if (state.targetNodeAddress && domain && domain.state !== "shutoff") {
    return { actions: [{ type: "startMigration" }], hold: false };
  }
  return { actions: [], hold: false };
}

/** Whether this node is the target of the VMI's latest migration (in flight, done or failed). */
export function isMigrationTarget(vmi: VirtualMachineInstance, node: string): boolean {
  const state = vmi.status?.migrationState;
  return !!state?.migrationUid && state.targetNode === node && vmi.status?.nodeName !== node;
}

/**
 * Target steps for a VMI that runs elsewhere and migrates here: prepare and report the address,
 * report the domain once it runs here, remove everything when the migration failed or the VMI
 * is gone or ended.
 */
export function targetPlan(
  o: Observation,
  vmi: VirtualMachineInstance,
  domain: ObservedDomain | undefined,
): Plan {
  const state = vmi.status!.migrationState!;
  const over = !isAssignedTo(vmi, o.node) || !!vmi.metadata.deletionTimestamp ||
    isFinished(vmi.status?.phase);
  if (over) {
    const actions: Action[] = [];
    if (domain && domain.state !== "shutoff") actions.push({ type: "destroy", uuid: domain.uuid });
    if (domain) actions.push({ type: "undefine", uuid: domain.uuid });
    if (domain || o.targetFiles) {
      actions.push({ type: "removeFiles", uid: vmi.metadata.uid!, keepSerialLog: false });
    }
    return { actions };
  }
  if (domain) return { actions: domainDetected(o, state, domain) };
  if (state.targetNodeAddress || state.completed) return { actions: [] };
  if (!o.targetPod) return { actions: [] }; // its binding or its cache entry brings the key back
  if (!o.nodeAddress) {
    return {
      actions: [],
      blocked: "Cannot prepare a migration target: the agent has no node address",
    };
  }
  return {
    actions: [
      { type: "prepareTarget" },
      { type: "writeMigrationState", fields: { targetNodeAddress: o.nodeAddress } },
    ],
  };
}

/** `targetNodeDomainDetected` and its timestamp, once the migrated guest runs here. */
export function domainDetected(
  o: Observation,
  state: MigrationState,
  domain: ObservedDomain,
): Action[] {
  if (state.targetNode !== o.node || state.targetNodeDomainDetected) return [];
  if (!state.completed && domain.state !== "running") return [];
  if (domain.state === "shutoff") return [];
  return [{
    type: "writeMigrationState",
    fields: { targetNodeDomainDetected: true, targetNodeDomainReadyTimestamp: o.now },
  }];
}
