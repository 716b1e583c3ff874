/** The status fields the replica set controller owns, and the patch that writes them. Pure. */
import {
  type Condition,
  isVmiReady,
  selectorString,
  type VirtualMachineInstanceReplicaSetStatus,
  type VMI,
  type VMIRS,
} from "../../api/mod.ts";
import { sameJson } from "../writes.ts";
import { timestamp, withCondition, withoutCondition } from "../../api/conditions.ts";

/** KubeVirt's replica set condition types. */
export const REPLICA_FAILURE = "ReplicaFailure";
export const REPLICA_PAUSED = "ReplicaPaused";

/** A create or delete that failed in this pass, as the ReplicaFailure condition reports it. */
export interface ScaleError {
  reason: "FailedCreate" | "FailedDelete";
  message: string;
}

/** The owned fields: `replicas`, `readyReplicas`, `labelSelector`, `conditions`. */
export type OwnedStatus =
  & Required<
    Pick<VirtualMachineInstanceReplicaSetStatus, "replicas" | "readyReplicas" | "labelSelector">
  >
  & { conditions: Condition[] };

/** The owned status of `rs` given its active VMIs and this pass's scale error. */
export function rsStatusOf(
  rs: VMIRS,
  active: readonly VMI[],
  error: ScaleError | undefined,
  now: number,
): OwnedStatus {
  const at = timestamp(now);
  let conditions: Condition[] = [...(rs.status?.conditions ?? [])];
  conditions = rs.spec.paused
    ? withCondition(conditions, {
      type: REPLICA_PAUSED,
      status: "True",
      reason: "Paused",
      message: "Controller got paused",
    }, at)
    : withoutCondition(conditions, REPLICA_PAUSED);
  conditions = error
    ? withCondition(conditions, { type: REPLICA_FAILURE, status: "True", ...error }, at)
    : withoutCondition(conditions, REPLICA_FAILURE);
  return {
    replicas: active.length,
    readyReplicas: active.filter(isVmiReady).length,
    labelSelector: selectorString(rs.spec.selector),
    conditions,
  };
}

/**
 * The JSON merge patch of the status subresource that sets `owned`, or undefined when the status
 * already says so. No conditions is `null`, which removes the field.
 */
export function statusPatchOf(rs: VMIRS, owned: OwnedStatus): { status: object } | undefined {
  const current = rs.status ?? {};
  const unchanged = current.replicas === owned.replicas &&
    current.readyReplicas === owned.readyReplicas &&
    current.labelSelector === owned.labelSelector &&
    sameJson(current.conditions ?? [], owned.conditions);
  if (unchanged) return undefined;
  return {
    status: { ...owned, conditions: owned.conditions.length ? owned.conditions : null },
  };
}

/** The Event to record when the pause changed: KubeVirt's SuccessfulPaused or SuccessfulResumed. */
export function pauseEventOf(
  rs: VMIRS,
  owned: OwnedStatus,
): { reason: string; message: string } | undefined {
  const was = (rs.status?.conditions ?? []).some((c) => c.type === REPLICA_PAUSED);
  const is = owned.conditions.some((c) => c.type === REPLICA_PAUSED);
  if (was === is) return undefined;
  return is
    ? { reason: "SuccessfulPaused", message: "Paused" }
    : { reason: "SuccessfulResumed", message: "Resumed" };
}
