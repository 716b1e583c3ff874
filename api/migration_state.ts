/**
 * The VMI's `status.migrationState` as the roles share it: which migration is in flight, which
 * node a VMI is assigned to, and which role writes which field of the state
 * (adr/0012-live-migration.md).
 */
import type { MigrationState, VirtualMachineInstance } from "./virtual_machine_instance.ts";

/** Fields of `migrationState` each role writes; all writes are merge patches of these only. */
export const MIGRATION_STATE_WRITERS = {
  /** The migration controller starts a record (clearing the others) and asks for aborts. */
  controllers: [
    "migrationUid",
    "sourceNode",
    "sourcePod",
    "targetNode",
    "targetPod",
    "abortRequested",
  ],
  /** The target node's agent: prepared, then the domain seen on its side. */
  targetAgent: ["targetNodeAddress", "targetNodeDomainDetected", "targetNodeDomainReadyTimestamp"],
  /** The source node's agent runs the libvirt job and reports how it went. */
  sourceAgent: [
    "startTimestamp",
    "endTimestamp",
    "completed",
    "failed",
    "failureReason",
    "abortStatus",
    "mode",
  ],
} as const;

/** KubeVirt's `abortStatus` values. */
export const ABORT_STATUSES = ["Aborting", "Succeeded", "Failed"] as const;

/** The migration state of a VMI if a migration is in flight (begun and not ended). */
export function migrationInFlight(
  vmi: VirtualMachineInstance | undefined,
): MigrationState | undefined {
  const state = vmi?.status?.migrationState;
  if (!state?.migrationUid || !state.targetNode) return undefined;
  return state.completed || state.failed ? undefined : state;
}

/** The node a migration in flight moves the VMI to, if any. */
export function migrationTargetNode(vmi: VirtualMachineInstance | undefined): string | undefined {
  return migrationInFlight(vmi)?.targetNode;
}

/**
 * Whether `node` may hold a domain for the VMI: the node it runs on, or the target of its
 * migration in flight or just completed (the guest runs there before the controllers switch
 * `nodeName`). Every other node's domain of it is stale and is destroyed (fencing).
 */
export function isAssignedTo(vmi: VirtualMachineInstance | undefined, node: string): boolean {
  if (!vmi) return false;
  if (vmi.status?.nodeName === node || migrationTargetNode(vmi) === node) return true;
  const state = vmi.status?.migrationState;
  return !!state?.migrationUid && state.completed === true && !state.failed &&
    state.targetNode === node;
}
