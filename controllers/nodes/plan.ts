/**
 * What the controllers do for a node declared unresponsive, on its agent's behalf: its VMIs that
 * have not finished become Failed (`NodeUnresponsive`, Ready false), its launcher pods go at once
 * (grace 0: no kubelet or agent is there to end them), and deleted VMIs lose the agent's
 * finalizer, so that their VMs can start again elsewhere. Pure: table-tested in plan_test.ts.
 */
import {
  AGENT_FINALIZER,
  isFinished,
  NODE_UNRESPONSIVE_REASON,
  nodeUnresponsiveMessage,
  type Pod,
  timestamp,
  type VirtualMachineInstance,
  type VirtualMachineInstanceStatus,
  type VMI,
  VMI_READY_CONDITION,
  withCondition,
  withoutCondition,
} from "../../api/mod.ts";

/** What the caches hold of one unresponsive node. */
export interface NodeLossObserved {
  node: string;
  /** VMIs whose `status.nodeName` is the node. */
  vmis: VMI[];
  /** Launcher pods bound to the node. */
  pods: Pod[];
  now: number;
}

export interface NodeLossPlan {
  /** VMIs to fail, each with its next status (lifecycle fields only). */
  fail: Array<{ vmi: VMI; status: VirtualMachineInstanceStatus }>;
  /** Launcher pods to delete with grace period 0. */
  deletePods: Pod[];
  /** VMIs being deleted whose agent finalizer is removed for the agent. */
  releaseFinalizer: VMI[];
}

/** The writes for the unresponsive node `observed.node`. */
export function planNodeLoss(observed: NodeLossObserved): NodeLossPlan {
  const { node, now } = observed;
  const onNode = observed.vmis.filter((vmi) => vmi.status?.nodeName === node);
  return {
    fail: onNode.filter((vmi) => !isFinished(vmi.status?.phase)).map((vmi) => ({
      vmi,
      status: failedStatus(vmi, node, now),
    })),
    deletePods: observed.pods.filter((pod) => pod.spec?.nodeName === node),
    releaseFinalizer: onNode.filter((vmi) =>
      vmi.metadata.deletionTimestamp && (vmi.metadata.finalizers ?? []).includes(AGENT_FINALIZER)
    ),
  };
}

/** KubeVirt's Failed / NodeUnresponsive, with the Ready condition false for the same reason. */
function failedStatus(
  vmi: VirtualMachineInstance,
  node: string,
  now: number,
): VirtualMachineInstanceStatus {
  const at = timestamp(now);
  const current = vmi.status ?? {};
  const conditions = withCondition(withoutCondition(current.conditions, "Paused"), {
    type: VMI_READY_CONDITION,
    status: "False",
    reason: NODE_UNRESPONSIVE_REASON,
    message: nodeUnresponsiveMessage(node),
  }, at);
  return {
    ...current,
    phase: "Failed",
    reason: NODE_UNRESPONSIVE_REASON,
    conditions,
    phaseTransitionTimestamps: [
      ...(current.phaseTransitionTimestamps ?? []),
      { phase: "Failed", phaseTransitionTimestamp: at },
    ],
  };
}
