/**
 * When the guest of a VMI whose launcher pod is being deleted (an eviction, a drain) must be off.
 * KubeVirt's virt-launcher turns the pod's SIGTERM into a graceful shutdown that virt-handler
 * forces off after the VMI's own grace period; the pod's grace is padded beyond that only so the
 * guest is off before the kubelet kills the pod. Pure.
 */
import type { Pod } from "../../api/mod.ts";

/**
 * The deadline (ms since epoch) for the guest of a launcher pod being deleted: the deletion's start
 * plus the VMI's grace, never later than the pod's own deadline; undefined while not deleted.
 */
export function launcherPodDeadline(
  pod: Pod | undefined,
  vmiGraceSeconds: number,
): number | undefined {
  const deletion = pod?.metadata?.deletionTimestamp;
  if (!deletion) return undefined;
  const podDeadline = Date.parse(deletion);
  const podGrace = pod.metadata?.deletionGracePeriodSeconds;
  // Without the pod's grace the deletion's start is unknown: keep to the pod's deadline.
  if (podGrace === undefined || podGrace === null) return podDeadline;
  const started = podDeadline - podGrace * 1000;
  return Math.min(podDeadline, started + Math.max(0, vmiGraceSeconds) * 1000);
}
