/** The Pending step of planVmi(): a VMI without a pod waits for its volumes or gets one. */
import { messageOf } from "../../lib/errors.ts";
import type { Pod } from "../../api/mod.ts";
import { withCondition, withoutCondition } from "../../api/conditions.ts";
import { volumesBlockingStart } from "../volumes.ts";
import { type LauncherOptions, launcherPodFor } from "./launcher_pod.ts";
import type { VmiObserved, VmiPlan } from "./plan_types.ts";

/** A VMI waiting for its volumes is looked at again this often (claims are not watched per VMI). */
const VOLUME_POLL_MS = 5_000;

/** A VMI without a pod yet: wait for its volumes, or make its launcher pod. */
export function planPending(
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
