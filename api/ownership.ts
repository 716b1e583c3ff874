/**
 * Who writes each field of a VMI's status (adr/0009-one-writer-per-field.md). The controllers
 * own the status until they hand the VMI to a node by setting `status.nodeName` (with phase
 * Scheduled); from then on the agent of that node owns its phase, reason and conditions. Each
 * role writes a patch of its own fields only, computed with `ownedVmiStatusFields`.
 */
import type { VirtualMachineInstanceStatus } from "./virtual_machine_instance.ts";

/** A role that writes VMI status. */
export type StatusWriter = "controllers" | "agent";

/** Fields the controllers write at any time: they follow the launcher pods. */
const CONTROLLER_FIELDS = ["nodeName", "activePods", "qosClass", "launcherContainerImageVersion"];
/** Fields the agent writes at any time: they come from the domain. */
const AGENT_FIELDS = ["interfaces", "machine", "volumeStatus", "migrationMethod", "guestOSInfo"];
/** The VMI's lifecycle: the controllers' until the handover to a node, then the agent's. */
const LIFECYCLE_FIELDS = ["phase", "reason", "conditions", "phaseTransitionTimestamps"];
/**
 * The lifecycle fields, which the controllers also write for a VMI whose node was declared
 * unresponsive (its agent cannot: api/node_loss.ts).
 */
export const VMI_LIFECYCLE_FIELDS: readonly string[] = LIFECYCLE_FIELDS;

/** Whether the controllers have handed the VMI to a node's agent. */
export function isHandedToNode(status: VirtualMachineInstanceStatus | undefined): boolean {
  return !!status?.nodeName;
}

/** The status fields `writer` may write for a VMI whose status is `status` now. */
export function ownedVmiStatusFields(
  writer: StatusWriter,
  status: VirtualMachineInstanceStatus | undefined,
): readonly string[] {
  const handed = isHandedToNode(status);
  if (writer === "controllers") {
    return handed ? CONTROLLER_FIELDS : [...CONTROLLER_FIELDS, ...LIFECYCLE_FIELDS];
  }
  return handed ? [...AGENT_FIELDS, ...LIFECYCLE_FIELDS] : AGENT_FIELDS;
}

/** Every status field some role writes. */
export const WRITTEN_VMI_STATUS_FIELDS: readonly string[] = [
  ...CONTROLLER_FIELDS,
  ...AGENT_FIELDS,
  ...LIFECYCLE_FIELDS,
];
