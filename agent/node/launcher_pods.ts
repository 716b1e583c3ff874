/**
 * Launcher pods on a kubelet-less node: the agent does a kubelet's part. A pod bound here gets
 * its network sandbox (agent/network/sandboxes.ts) and is reported Running with its pod IPs
 * (Ready only while the guest runs), then Succeeded or Failed when its VMI ends, when its
 * sandbox is released; a terminating pod's deletion is completed once its VMI is gone. Keys of
 * sandboxes recorded on disk are seeded at start, so a sandbox whose pod went away while the
 * agent was down is released too.
 */
import { FIELD_MANAGERS, isFinished, type Pod, type VMI } from "../../api/mod.ts";
import { hasCondition } from "../../api/conditions.ts";
import type { CacheReader, Controller } from "../../lib/controller.ts";
import { isNotFound } from "../../lib/kube/api_error.ts";
import { keyFor, keyOf } from "../../lib/kube/object.ts";
import { creatorOf, PODS_BY_CREATOR, VMIS_BY_UID } from "../indexes.ts";
import { pods, virtualMachineInstances } from "../../lib/kube/resources.ts";
import type { PodSandboxes } from "../network/sandboxes.ts";
import { type LauncherOutcome, launcherPodStatus, podStatusChanged } from "../status/pod_status.ts";
import { CONDITION } from "../status/vmi_status.ts";

/** Where a launcher pod's VMI is; undefined: wait (the VMI is still stopping). */
export function outcomeOf(pod: Pod, vmi: VMI | undefined): LauncherOutcome | undefined {
  const phase = vmi?.status?.phase;
  if (isFinished(phase)) return phase as LauncherOutcome;
  if (pod.metadata?.deletionTimestamp) return vmi ? undefined : "Succeeded";
  return "Running";
}

/**
 * Whether the pod's guest runs on `node`: its VMI is Running and not paused, and has not just
 * migrated away from it (the source pod stops being Ready as soon as the guest left, so a Service
 * stops sending it requests before the VMI is switched to its new node).
 */
export function guestRunning(vmi: VMI | undefined, node: string): boolean {
  const state = vmi?.status?.migrationState;
  const left = !!state?.completed && !state.failed && state.sourceNode === node &&
    state.targetNode !== node;
  return vmi?.status?.phase === "Running" && !left &&
    !hasCondition(vmi.status.conditions, CONDITION.paused, "True");
}

/** What the controller does with sandboxes (PodSandboxes; a fake in tests). */
export type SandboxManager = Pick<
  PodSandboxes,
  "ensure" | "get" | "release" | "recorded" | "recordedSync"
>;

export interface LauncherPodOptions {
  node: string;
  /** The node's address: the pods' hostIP. */
  hostIP: string;
  /** The pods' network sandboxes; none with `--pod-network=none`. */
  sandboxes: SandboxManager | undefined;
  /**
   * Told when a pod's sandbox is first ready, before its status says so: the VMI waiting for it
   * can go on at once instead of after the status write comes back through the watch.
   */
  sandboxReady?: (vmi: VMI) => void;
}

/** The launcher pod controller of a kubelet-less node. */
export function launcherPodController(opts: LauncherPodOptions): Controller<Pod> {
  const { node, hostIP, sandboxes } = opts;
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
    seedKeys: () => (sandboxes?.recordedSync() ?? []).map((r) => keyFor(r.namespace, r.name)),
    backoff: { baseMs: 200, maxMs: 30_000, factor: 2, jitter: 0.2 },
    async reconcile(key, ctx) {
      const pod = ctx.object?.spec?.nodeName === node ? ctx.object : undefined;
      // Sandboxes under this key that no pod of this node holds any more.
      for (const record of await sandboxes?.recorded() ?? []) {
        if (keyFor(record.namespace, record.name) !== key) continue;
        if (record.podUid === pod?.metadata?.uid) continue;
        await sandboxes!.release(record.podUid);
        ctx.log.info("Pod network sandbox released", { pod: key, uid: record.podUid });
      }
      if (!pod) return;
      const vmi = vmiOf(pod, ctx.cache);
      const outcome = outcomeOf(pod, vmi);
      if (!outcome) return;
      let podIPs: string[] = [];
      // Without sandboxes (`--pod-network=none`) a pod has no IP.
      if (sandboxes && outcome === "Running") {
        podIPs = (await sandboxes.ensure(pod)).ips;
        // Looked up again: the VMI may have come to this node while the sandbox was made.
        const waiting = vmiOf(pod, ctx.cache);
        if (waiting && !pod.status?.podIP && podIPs.length > 0) opts.sandboxReady?.(waiting);
      } else if (sandboxes && await sandboxes.get(pod.metadata!.uid!)) {
        // As a kubelet tears down an ended pod's sandbox; the status keeps its IPs.
        await sandboxes.release(pod.metadata!.uid!);
        ctx.log.info("Pod network sandbox released", { pod: key, phase: outcome });
      }
      const ref = { namespace: pod.metadata!.namespace!, name: pod.metadata!.name! };
      const status = launcherPodStatus(pod, outcome, hostIP, new Date().toISOString(), {
        guestRunning: guestRunning(vmi, node),
        podIPs,
      });
      if (podStatusChanged(pod, status)) {
        // podIPs merge by `ip` in a strategic patch: a new sandbox's IP replaces the list.
        const patch = status.podIPs
          ? { ...status, podIPs: [{ $patch: "replace" }, ...status.podIPs] }
          : status;
        await ctx.rest.patch(pods, ref, { metadata: { uid: pod.metadata?.uid }, status: patch }, {
          type: "strategic",
          subresource: "status",
          fieldManager: FIELD_MANAGERS.agent,
          signal: ctx.signal,
        });
        ctx.log.info("Launcher pod status reported", { phase: outcome, podIP: status.podIP });
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
