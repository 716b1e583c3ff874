/** Where a live-migrated VMI runs now, for its handover to the target node's agent. */
import type { VirtualMachineInstance } from "../../api/mod.ts";

/**
 * The node a completed live migration moved the VMI to, while its `nodeName` still names the
 * source: the source agent reported `completed` (and not `failed`) for the record.
 */
export function migratedToNode(vmi: VirtualMachineInstance): string | undefined {
  const state = vmi.status?.migrationState;
  const node = vmi.status?.nodeName;
  if (!state?.completed || state.failed || !state.targetNode || !state.migrationUid) return;
  return state.sourceNode === node && state.targetNode !== node ? state.targetNode : undefined;
}
