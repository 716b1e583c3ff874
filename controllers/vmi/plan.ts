/**
 * observe -> plan for one VMI: its launcher pod, its phase Pending -> Scheduling -> Scheduled
 * (the agent takes it from there), and its teardown. Pure: table-tested in plan_test.ts.
 */
import {
  AGENT_FINALIZER,
  isFinished,
  LAUNCHER_CONTAINER,
  NODE_NAME_LABEL,
  type Pod,
  type VirtualMachineInstance,
  type VirtualMachineInstanceStatus,
  VM_CONTROLLER_FINALIZER,
  VMI_FINALIZER,
} from "../../api/mod.ts";
import { messageOf } from "../../lib/errors.ts";
import { timestamp, withCondition, withoutCondition } from "../conditions.ts";
import { volumesBlockingStart, type VolumeView } from "../volumes.ts";
import { editFinalizers } from "../writes.ts";
import { type LauncherOptions, launcherPodFor } from "./launcher_pod.ts";
import { isPodDown } from "./pod.ts";
import { podLossOf, readyConditionOf } from "./pod_state.ts";

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
  /** The next status (written only when it differs). */
  status: VirtualMachineInstanceStatus;
  /** The status fails the VMI because its pod is missing: confirm with a live read first. */
  podMissing: boolean;
  events: Array<{ type: "Normal" | "Warning"; reason: string; message: string }>;
  /** Look again then (a pod's deletion deadline, a volume to appear). */
  requeueAfterMs: number | undefined;
}

/** A VMI waiting for its volumes is looked at again this often (claims are not watched per VMI). */
const VOLUME_POLL_MS = 5_000;

/** The plan for one VMI at time `now`. */
export function planVmi(observed: VmiObserved, launcher: LauncherOptions, now: number): VmiPlan {
  const { vmi, pods } = observed;
  const at = timestamp(now);
  const status: VirtualMachineInstanceStatus = structuredClone(vmi.status ?? {});
  const phase = status.phase ?? "";
  const finalizers = vmi.metadata.finalizers ?? [];
  const agentHolds = finalizers.includes(AGENT_FINALIZER);
  const deleting = !!vmi.metadata.deletionTimestamp;
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

  if (deleting || isFinished(phase)) {
    // A VMI never handed to an agent needs no agent teardown.
    if (agentHolds && !status.nodeName) setFinalizers([], [AGENT_FINALIZER]);
    // A deleted VMI may still have a guest shutting down until the agent lets go; an ended one
    // has none (the agent tears it down at once), so its pod stops holding the node's resources.
    const guestMayRun = agentHolds && !!status.nodeName && !isFinished(phase);
    if (!guestMayRun) {
      plan.deletePods = pods;
      if (!isFinished(phase)) fail();
      if (pods.length === 0) {
        const release = [
          VMI_FINALIZER,
          ...(observed.ownerVmExists ? [] : [VM_CONTROLLER_FINALIZER]),
        ];
        setFinalizers([], release);
      }
    }
  } else {
    setFinalizers([VMI_FINALIZER]);
    if (phase === "" || phase === "Pending") {
      if (pod) status.phase = "Scheduling";
      else {
        status.phase = "Pending";
        const blocked = volumesBlockingStart(vmi.spec, observed.volumes);
        if (blocked.failed.length) {
          fail("DataVolumeFailed", `DataVolume ${blocked.failed.join(", ")} failed`);
        } else if (blocked.missing.length) {
          plan.requeueAfterMs = VOLUME_POLL_MS;
          const message = `PVC ${vmi.metadata.namespace}/${blocked.missing[0]} does not exist`;
          status.conditions = withCondition(status.conditions, {
            type: "Synchronized",
            status: "False",
            reason: "FailedPvcNotFound",
            message,
          }, at);
          status.conditions = withCondition(status.conditions, {
            type: "PodScheduled",
            status: "False",
            reason: "Unschedulable",
            message,
          }, at);
        } else if (observed.podCreateError) {
          status.conditions = withCondition(status.conditions, {
            type: "Synchronized",
            status: "False",
            reason: "FailedCreate",
            message: observed.podCreateError,
          }, at);
        } else if (blocked.waiting.length) {
          plan.requeueAfterMs = VOLUME_POLL_MS;
        } else {
          try {
            plan.createPod = launcherPodFor(vmi, launcher);
            status.phase = "Scheduling";
            status.conditions = withoutCondition(status.conditions, "Synchronized");
          } catch (error) {
            status.conditions = withCondition(status.conditions, {
              type: "Synchronized",
              status: "False",
              reason: "FailedCreate",
              message: messageOf(error),
            }, at);
          }
        }
      }
    } else if (phase === "Scheduling") {
      const lost = podLossOf(pod);
      if (lost) {
        plan.podMissing = !pod;
        fail(lost.reason, `${lost.message}; the VMI failed while being scheduled`);
      } else if (pod?.spec?.nodeName) {
        const nodeName = pod.spec.nodeName;
        setFinalizers([AGENT_FINALIZER]);
        status.phase = "Scheduled";
        status.nodeName = nodeName;
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
    } else if (phase === "Scheduled" || phase === "Running") {
      const lost = podLossOf(pod, true, now);
      if (lost) {
        plan.podMissing = !pod;
        fail(lost.reason, `${lost.message}; the VMI failed`);
      } else if (pod?.metadata?.deletionTimestamp) {
        // The agent stops the guest meanwhile; fail the VMI if it has not by the deadline.
        plan.requeueAfterMs = Math.max(0, Date.parse(pod.metadata.deletionTimestamp) - now) + 1_000;
      }
    }
  }

  if (status.nodeName && vmi.metadata.labels?.[NODE_NAME_LABEL] !== status.nodeName && !deleting) {
    plan.labels = { ...vmi.metadata.labels, [NODE_NAME_LABEL]: status.nodeName };
  }
  const current = plan.createPod ?? (pod && !isPodDown(pod) ? pod : undefined);
  status.conditions = withCondition(
    status.conditions,
    readyConditionOf(status.phase ?? "", plan.createPod ? undefined : pod),
    at,
  );
  if (current?.status?.qosClass) {
    status.qosClass = current.status.qosClass as VirtualMachineInstanceStatus["qosClass"];
  }
  if (current) {
    const image = current.spec?.containers.find((c) => c.name === LAUNCHER_CONTAINER)?.image;
    if (image) status.launcherContainerImageVersion = image;
  }
  if (pods.length > 0 || status.activePods) {
    status.activePods = Object.fromEntries(
      pods.map((p) => [p.metadata?.uid ?? "", p.spec?.nodeName ?? ""]),
    );
  }
  if ((status.phase ?? "") !== phase) {
    status.phaseTransitionTimestamps = [
      ...(status.phaseTransitionTimestamps ?? []),
      { phase: status.phase, phaseTransitionTimestamp: at },
    ];
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
