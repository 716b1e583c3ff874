/**
 * observe -> plan for one VMI: its launcher pod, its phase Pending -> Scheduling -> Scheduled,
 * where the agent of the pod's node takes its lifecycle over (api/ownership.ts), and its
 * teardown. Pure: table-tested in plan_test.ts and plan_teardown_test.ts.
 */
import {
  AGENT_FINALIZER,
  dataVolumesReadyCondition,
  isFinished,
  isHandedToNode,
  isPodDown,
  LAUNCHER_CONTAINER,
  NODE_NAME_LABEL,
  podLossOf,
  readyConditionOf,
  type VirtualMachineInstance,
  type VirtualMachineInstanceStatus,
  VM_CONTROLLER_FINALIZER,
  VMI_FINALIZER,
} from "../../api/mod.ts";
import { timestamp, withCondition, withoutCondition } from "../../api/conditions.ts";
import type { VolumeView } from "../volumes.ts";
import { editFinalizers } from "../writes.ts";
import type { LauncherOptions } from "./launcher_pod.ts";
import { migratedToNode } from "./migrated_to_node.ts";
import { planPending } from "./plan_pending.ts";
import type { VmiObserved, VmiPlan } from "./plan_types.ts";
import { createdAt, holdForBinding } from "./scheduling_hold.ts";

/** The plan for one VMI at time `now`. */
export function planVmi(observed: VmiObserved, launcher: LauncherOptions, now: number): VmiPlan {
  const { vmi, pods } = observed;
  const at = timestamp(now);
  const status: VirtualMachineInstanceStatus = structuredClone(vmi.status ?? {});
  const phase = status.phase ?? "";
  const handed = isHandedToNode(vmi.status);
  const finalizers = vmi.metadata.finalizers ?? [];
  const pod = pods.find((p) => !p.metadata?.deletionTimestamp) ?? pods[0];
  const plan: VmiPlan = {
    finalizers: undefined,
    labels: undefined,
    createPod: undefined,
    deletePods: [],
    status,
    podMissing: false,
    events: [],
    requeueAfterMs: undefined,
    holdStatus: false,
  };
  const fail = (reason?: string, message?: string) => {
    status.phase = "Failed";
    if (reason) status.reason = reason;
    if (message) plan.events.push({ type: "Warning", reason: reason ?? "Failed", message });
  };
  const setFinalizers = (add: string[], remove: string[] = []) => {
    const next = editFinalizers(plan.finalizers ?? finalizers, add, remove);
    if (next.join() !== finalizers.join()) plan.finalizers = next;
  };

  if (vmi.metadata.deletionTimestamp || isFinished(phase)) {
    // A VMI on a node may have a guest shutting down until its agent lets go; an ended one has
    // none (the agent tears it down at once), so its pod stops holding the node's resources.
    const guestMayRun = handed && finalizers.includes(AGENT_FINALIZER) && !isFinished(phase);
    if (!guestMayRun) {
      plan.deletePods = pods;
      if (!handed && !isFinished(phase)) fail();
      if (pods.length === 0) {
        setFinalizers([], [
          VMI_FINALIZER,
          ...(observed.ownerVmExists ? [] : [VM_CONTROLLER_FINALIZER]),
        ]);
      }
    }
  } else if (!handed) {
    setFinalizers([VMI_FINALIZER]);
    if (phase === "" || phase === "Pending") planPending(observed, launcher, plan, pod, at);
    // A pod found bound already hands the VMI over in this same pass.
    if (status.phase === "Scheduling" && !plan.createPod) {
      const lost = podLossOf(pod);
      if (lost) {
        plan.podMissing = !pod;
        fail(lost.reason, `${lost.message}; the VMI failed while being scheduled`);
      } else if (pod?.spec?.nodeName) {
        // The handover: from here on the node's agent owns the VMI's lifecycle.
        status.phase = "Scheduled";
        status.nodeName = pod.spec.nodeName;
        status.conditions = withoutCondition(status.conditions, "PodScheduled");
      } else {
        const scheduled = pod?.status?.conditions?.find((c) => c.type === "PodScheduled");
        status.conditions = scheduled?.status === "False"
          ? withCondition(status.conditions, {
            type: "PodScheduled",
            status: "False",
            ...(scheduled.reason ? { reason: scheduled.reason } : {}),
            ...(scheduled.message ? { message: scheduled.message } : {}),
          }, at)
          : withoutCondition(status.conditions, "PodScheduled");
      }
    }
  } else {
    setFinalizers([VMI_FINALIZER]);
    const moved = migratedToNode(vmi);
    if (moved) {
      // The guest runs on the target node now: hand the VMI to that node's agent.
      status.nodeName = moved;
      plan.events.push({
        type: "Normal",
        reason: "Migrated",
        message: `The VirtualMachineInstance migrated to node ${moved}.`,
      });
    }
  }

  if (
    status.nodeName && vmi.metadata.labels?.[NODE_NAME_LABEL] !== status.nodeName &&
    !vmi.metadata.deletionTimestamp
  ) {
    plan.labels = { ...vmi.metadata.labels, [NODE_NAME_LABEL]: status.nodeName };
  }
  if (!handed) {
    status.conditions = withCondition(
      status.conditions,
      readyConditionOf(status.phase ?? "", plan.createPod ? undefined : pod),
      at,
    );
    // Written until the handover, which waits for the DataVolumes: the agent keeps it after.
    const dataVolumes = dataVolumesReadyCondition(dataVolumeReadiesOf(vmi, observed.volumes));
    if (dataVolumes) status.conditions = withCondition(status.conditions, dataVolumes, at);
    if ((status.phase ?? "") !== phase) {
      // Scheduling passed over in this write: it began when the pod was made.
      const skipped = status.phase === "Scheduled" && phase !== "Scheduling"
        ? [{ phase: "Scheduling" as const, phaseTransitionTimestamp: createdAt(pod) ?? at }]
        : [];
      status.phaseTransitionTimestamps = [
        ...(status.phaseTransitionTimestamps ?? []),
        ...skipped,
        { phase: status.phase, phaseTransitionTimestamp: at },
      ];
    }
    holdForBinding(plan, phase, pod, now);
  }
  const current = plan.createPod ?? (pod && !isPodDown(pod) ? pod : undefined);
  if (current?.status?.qosClass) {
    status.qosClass = current.status.qosClass as VirtualMachineInstanceStatus["qosClass"];
  }
  const image = current?.spec?.containers.find((c) => c.name === LAUNCHER_CONTAINER)?.image;
  if (image) status.launcherContainerImageVersion = image;
  if (pods.length > 0 || status.activePods) {
    status.activePods = Object.fromEntries(
      pods.map((p) => [p.metadata?.uid ?? "", p.spec?.nodeName ?? ""]),
    );
  }
  if (plan.createPod) {
    plan.events.push({
      type: "Normal",
      reason: "SuccessfulCreate",
      message: `Created virtual machine pod ${plan.createPod.metadata?.name}`,
    });
  }
  return plan;
}

/** The Ready condition of each existing DataVolume the VMI's volumes name. */
function dataVolumeReadiesOf(vmi: VirtualMachineInstance, volumes: VolumeView) {
  return (vmi.spec.volumes ?? []).flatMap((volume) => {
    const dataVolume = volume.dataVolume && volumes.dataVolume(volume.dataVolume.name);
    if (!dataVolume) return [];
    return [dataVolume.status?.conditions?.find((c) => c.type === "Ready")?.status];
  });
}
