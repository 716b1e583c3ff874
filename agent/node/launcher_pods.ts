/**
 * Launcher pods on a kubelet-less node: the agent reports them Running once bound here (as a
 * kubelet would after starting the holder container), Succeeded or Failed when their VMI ends,
 * and completes the deletion of a terminating pod once its VMI is gone (a kubelet's last step).
 */
import { FIELD_MANAGERS, isFinished, type Pod, type VMI } from "../../api/mod.ts";
import type { CacheReader, Controller } from "../../lib/controller.ts";
import { isNotFound } from "../../lib/kube/api_error.ts";
import { keyOf } from "../../lib/kube/object.ts";
import { creatorOf, PODS_BY_CREATOR, VMIS_BY_UID } from "../indexes.ts";
import { pods, virtualMachineInstances } from "../../lib/kube/resources.ts";
import { type LauncherOutcome, launcherPodStatus, podStatusChanged } from "../status/pod_status.ts";

/** Where a launcher pod's VMI is; undefined: wait (the VMI is still stopping). */
export function outcomeOf(pod: Pod, vmi: VMI | undefined): LauncherOutcome | undefined {
  const phase = vmi?.status?.phase;
  if (isFinished(phase)) return phase as LauncherOutcome;
  if (pod.metadata?.deletionTimestamp) return vmi ? undefined : "Succeeded";
  return "Running";
}

/** The launcher pod controller of a kubelet-less node; `hostIP` is the node's address. */
export function launcherPodController(node: string, hostIP: string): Controller<Pod> {
  const vmiOf = (pod: Pod, cache: CacheReader) =>
    creatorOf(pod).flatMap((uid) =>
      cache<VMI>(virtualMachineInstances).byIndex(VMIS_BY_UID.name, uid)
    )[0];
  return {
    name: "launcher-pods",
    for: pods,
    watches: [{
      resource: virtualMachineInstances,
      mapToKeys: (vmi, cache) =>
        vmi.metadata?.uid
          ? cache(pods).byIndex(PODS_BY_CREATOR.name, vmi.metadata.uid).map(keyOf)
          : [],
    }],
    indexes: [PODS_BY_CREATOR, VMIS_BY_UID],
    backoff: { baseMs: 200, maxMs: 30_000, factor: 2, jitter: 0.2 },
    async reconcile(key, ctx) {
      const pod = ctx.object;
      if (!pod || pod.spec?.nodeName !== node) return; // Only its own node's pods.
      const outcome = outcomeOf(pod, vmiOf(pod, ctx.cache));
      if (!outcome) return;
      const ref = { namespace: pod.metadata!.namespace!, name: pod.metadata!.name! };
      const status = launcherPodStatus(pod, outcome, hostIP, new Date().toISOString());
      if (podStatusChanged(pod, status)) {
        await ctx.rest.patch(pods, ref, { metadata: { uid: pod.metadata?.uid }, status }, {
          type: "strategic",
          subresource: "status",
          fieldManager: FIELD_MANAGERS.agent,
          signal: ctx.signal,
        });
        ctx.log.info("Launcher pod status reported", { phase: outcome });
      }
      if (pod.metadata?.deletionTimestamp && outcome !== "Running") {
        // A kubelet confirms the deletion once the pod's containers are gone: here, the VM.
        await ctx.rest.delete(pods, ref, {
          gracePeriodSeconds: 0,
          preconditions: { uid: pod.metadata.uid! },
          signal: ctx.signal,
        }).catch((error) => {
          if (!isNotFound(error)) throw error;
        });
        ctx.log.info("Launcher pod deletion completed", { pod: key });
      }
    },
  };
}
