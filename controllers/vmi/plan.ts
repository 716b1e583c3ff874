/**
 * observe -> plan for one VMI: its launcher pod, its phase Pending -> Scheduling -> Scheduled,
 * where the agent of the pod's node takes its lifecycle over (api/ownership.ts), and its
 * teardown. Pure: table-tested in plan_test.ts.
 */
import {
  AGENT_FINALIZER,
  dataVolumesReadyCondition,
  isFinished,
  isHandedToNode,
  isPodDown,
  LAUNCHER_CONTAINER,
  NODE_NAME_LABEL,
  type Pod,
  podLossOf,
  readyConditionOf,
  type VirtualMachineInstance,
  type VirtualMachineInstanceStatus,
  VM_CONTROLLER_FINALIZER,
  VMI_FINALIZER,
} from "../../api/mod.ts";
import { messageOf } from "../../lib/errors.ts";
import { timestamp, withCondition, withoutCondition } from "../../api/conditions.ts";
import { volumesBlockingStart, type VolumeView } from "../volumes.ts";
import { editFinalizers } from "../writes.ts";
import { type LauncherOptions, launcherPodFor } from "./launcher_pod.ts";

/** What a pass sees of one VMI. */
export interface VmiObserved {
  vmi: VirtualMachineInstance;
  /** The pods the VMI controls (by owner UID), oldest first. */
  pods: Pod[];
  /** The VM that controls the VMI still exists (false also for VMIs without a VM). */
  ownerVmExists: boolean;
  volumes: VolumeView;
  /** Creating the launcher pod failed just now with this message: report it instead. */
  podCreateError?: string;
}

/** What a pass will do for one VMI. */
export interface VmiPlan {
  /** New finalizers, labels: written first (undefined: unchanged). */
  finalizers: string[] | undefined;
  labels: Record<string, string> | undefined;
  createPod: Pod | undefined;
  /** Pods to delete at once (grace 0): the guest is known to be gone or never started. */
  deletePods: Pod[];
  /**
   * The next status. Only the fields the controllers own are written (api/ownership.ts): once
   * the VMI is handed to a node, its phase and conditions stay as the agent wrote them.
   */
  status: VirtualMachineInstanceStatus;
  /** The status fails the VMI because its pod is missing: confirm with a live read first. */
  podMissing: boolean;
  events: Array<{ type: "Normal" | "Warning"; reason: string; message: string }>;
  /** Look again then (a volume to appear, a held status to be written). */
  requeueAfterMs: number | undefined;
  /**
   * Write no status in this pass: the new pod is not bound yet but may be soon, and a bound pod
   * takes the VMI from Pending to Scheduled in one write (SCHEDULING_HOLD_MS).
   */
  holdStatus: boolean;
}

/** A VMI waiting for its volumes is looked at again this often (claims are not watched per VMI). */
const VOLUME_POLL_MS = 5_000;

/**
 * How long after its pod's creation second (`creationTimestamp` has whole seconds, so 0.5-1.5 s
 * after the creation itself) a VMI waits for the binding before it writes Scheduling. A pod bound
 * meanwhile makes Scheduling and Scheduled one status write instead of two; a pod that stays
 * unbound is reported Scheduling this late at most (the handover never waits).
 */
export const SCHEDULING_HOLD_MS = 1_500;

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

/** The creation time of `pod`, as Kubernetes writes times (seconds). */
function createdAt(pod: Pod | undefined): string | undefined {
  return pod?.metadata?.creationTimestamp ?? undefined;
}

/**
 * Hold the first Scheduling write while the new pod may still be bound within
 * SCHEDULING_HOLD_MS of its creation; look again when that time is up.
 */
function holdForBinding(plan: VmiPlan, phase: string, pod: Pod | undefined, now: number) {
  if (plan.status.phase !== "Scheduling" || (phase !== "" && phase !== "Pending")) return;
  if (plan.events.some((e) => e.type === "Warning")) return;
  const made = plan.createPod ? Math.floor(now / 1000) * 1000 : Date.parse(createdAt(pod) ?? "");
  // At most the whole hold, whatever the clocks of this host and the API server say.
  const left = Math.min(made + SCHEDULING_HOLD_MS - now, SCHEDULING_HOLD_MS);
  const unschedulable = pod?.status?.conditions?.some((c) =>
    c.type === "PodScheduled" && c.status === "False"
  );
  if (!(left > 0) || unschedulable) return;
  plan.holdStatus = true;
  plan.requeueAfterMs = Math.min(plan.requeueAfterMs ?? left, left);
}

/** A VMI without a pod yet: wait for its volumes, or make its launcher pod. */
function planPending(
  observed: VmiObserved,
  launcher: LauncherOptions,
  plan: VmiPlan,
  pod: Pod | undefined,
  at: string,
) {
  const { vmi } = observed;
  const status = plan.status;
  if (pod) {
    status.phase = "Scheduling";
    return;
  }
  status.phase = "Pending";
  const blocked = volumesBlockingStart(vmi.spec, observed.volumes);
  const unsynchronized = (reason: string, message: string) =>
    status.conditions = withCondition(status.conditions, {
      type: "Synchronized",
      status: "False",
      reason,
      message,
    }, at);
  if (blocked.failed.length) {
    status.phase = "Failed";
    status.reason = "DataVolumeFailed";
    plan.events.push({
      type: "Warning",
      reason: "DataVolumeFailed",
      message: `DataVolume ${blocked.failed.join(", ")} failed`,
    });
  } else if (blocked.missing.length) {
    plan.requeueAfterMs = VOLUME_POLL_MS;
    const message = `PVC ${vmi.metadata.namespace}/${blocked.missing[0]} does not exist`;
    unsynchronized("FailedPvcNotFound", message);
    status.conditions = withCondition(status.conditions, {
      type: "PodScheduled",
      status: "False",
      reason: "Unschedulable",
      message,
    }, at);
  } else if (observed.podCreateError) {
    unsynchronized("FailedCreate", observed.podCreateError);
  } else if (blocked.waiting.length) {
    plan.requeueAfterMs = VOLUME_POLL_MS;
  } else {
    try {
      plan.createPod = launcherPodFor(vmi, launcher);
      status.phase = "Scheduling";
      status.conditions = withoutCondition(status.conditions, "Synchronized");
    } catch (error) {
      unsynchronized("FailedCreate", messageOf(error));
    }
  }
}

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
