/**
 * Launcher pod status on nodes without a kubelet: what a kubelet would report for a pod whose
 * only "container" is the VM. Running while the VMI runs (or waits to), then Succeeded or Failed
 * as the VMI ends; Ready only while the guest runs (so a Service's endpoints follow the VM); the
 * pod IPs of the sandbox the agent made. Pure: the caller passes the time.
 */
import type {
  ContainerState,
  ContainerStatus,
  CoreCondition,
  Pod,
  PodStatus,
} from "../../api/mod.ts";
import { stableJson } from "./stable_json.ts";

/** Where the VMI behind a launcher pod is: running (or about to), ended, or gone. */
export type LauncherOutcome = "Running" | "Succeeded" | "Failed";

/** What else a launcher pod's status reports. */
export interface LauncherFacts {
  /** The guest runs (the VMI is Running and not paused): the pod is Ready. */
  guestRunning: boolean;
  /** The sandbox's addresses on the pod network, IPv4 first; none while it has none. */
  podIPs: string[];
}

/** The status a kubelet would report for a launcher pod whose VMI is at `outcome`. */
export function launcherPodStatus(
  pod: Pod,
  outcome: LauncherOutcome,
  hostIP: string,
  now: string,
  facts: LauncherFacts,
): PodStatus {
  const old = pod.status ?? {};
  const running = outcome === "Running";
  const ready = running && facts.guestRunning;
  const startTime = old.startTime ?? now;
  const conditions = [
    cond(old, "PodReadyToStartContainers", running, now),
    cond(old, "Initialized", true, now),
    cond(old, "Ready", ready, now, notReadyReason(running, ready)),
    cond(old, "ContainersReady", ready, now, notReadyReason(running, ready)),
    cond(old, "PodScheduled", true, now),
  ];
  const statusOf =
    (previousOnes: ContainerStatus[] | undefined) =>
    (c: { name: string; image?: string }): ContainerStatus => {
      const previous = previousOnes?.find((s) => s.name === c.name);
      const startedAt = previous?.state.running?.startedAt ??
        previous?.state.terminated?.startedAt ?? startTime;
      const state: ContainerState = running ? { running: { startedAt } } : {
        terminated: previous?.state.terminated ?? {
          exitCode: outcome === "Succeeded" ? 0 : 1,
          reason: outcome === "Succeeded" ? "Completed" : "Error",
          startedAt,
          finishedAt: now,
        },
      };
      return {
        name: c.name,
        image: c.image ?? "",
        imageID: previous?.imageID ?? "",
        containerID: `denovirt://${pod.metadata?.uid ?? ""}`,
        ready,
        started: running,
        restartCount: 0,
        state,
      };
    };
  const containerStatuses = (pod.spec?.containers ?? []).map(statusOf(old.containerStatuses));
  // Sidecars (restartable init containers: the guest-console-log) run beside the holder.
  const sidecars = sidecarsOf(pod);
  const status: PodStatus = {
    phase: outcome,
    conditions,
    hostIP,
    hostIPs: [{ ip: hostIP }],
    startTime,
    containerStatuses,
    ...(sidecars.length > 0
      ? {
        initContainerStatuses: sidecars.map(
          statusOf(old.initContainerStatuses),
        ),
      }
      : {}),
  };
  // A kubelet keeps the IPs of an ended pod; so does this.
  const podIPs = facts.podIPs.length > 0 ? facts.podIPs : (old.podIPs ?? []).map((p) => p.ip);
  if (podIPs.length > 0) {
    status.podIP = podIPs[0];
    status.podIPs = podIPs.map((ip) => ({ ip }));
  }
  return status;
}

function sidecarsOf(pod: Pod): Array<{ name: string; image?: string }> {
  const init = pod.spec?.initContainers;
  if (!Array.isArray(init)) return [];
  return (init as Array<{ name: string; image?: string; restartPolicy?: string }>)
    .filter((c) => c.restartPolicy === "Always");
}

/** Kubelet's reasons for a pod that is not ready: its containers ended, or are not ready. */
function notReadyReason(running: boolean, ready: boolean): string | undefined {
  if (ready) return undefined;
  return running ? "ContainersNotReady" : "PodCompleted";
}

/** Whether writing `next` would change what the pod reports (timestamps aside). */
export function podStatusChanged(pod: Pod, next: PodStatus): boolean {
  const view = (s: PodStatus | undefined) => ({
    phase: s?.phase,
    hostIP: s?.hostIP,
    podIPs: (s?.podIPs ?? []).map((p) => p.ip),
    conditions: (s?.conditions ?? [])
      .filter((c) => next.conditions?.some((n) => n.type === c.type))
      .map((c) => `${c.type}=${c.status}`).sort(),
    containers: (s?.containerStatuses ?? []).map((c) =>
      `${c.name}:${c.ready}:${Object.keys(c.state ?? {}).join()}`
    ).sort(),
  });
  return stableJson(view(pod.status)) !== stableJson(view(next));
}

function cond(
  old: PodStatus,
  type: string,
  value: boolean,
  now: string,
  reason?: string,
): CoreCondition {
  const status = value ? "True" : "False";
  const previous = old.conditions?.find((c) => c.type === type);
  const lastTransitionTime = previous?.status === status && previous.lastTransitionTime
    ? previous.lastTransitionTime
    : now;
  const condition: CoreCondition = { type, status, lastTransitionTime };
  if (reason) condition.reason = reason;
  return condition;
}
