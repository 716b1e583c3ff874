/**
 * `kubevirt_vmi_phase_transition_time_from_creation_seconds`: when a VMI's phase changes, the
 * time from its creation to the new phase's transition timestamp, as virt-controller observes it.
 */
import type { VMI } from "../../api/mod.ts";

/** KubeVirt's buckets: half a second to an hour. */
export const PHASE_TRANSITION_BUCKETS = [
  0.5,
  1,
  2,
  5,
  10,
  20,
  30,
  40,
  50,
  60,
  90,
  120,
  180,
  300,
  600,
  1200,
  1800,
  3600,
] as const;

/** The new phase and seconds since creation, or undefined when no phase change is to count. */
export function transitionFromCreation(
  old: VMI | undefined,
  current: VMI | undefined,
): { phase: string; seconds: number } | undefined {
  const phase = current?.status?.phase;
  if (!old || !current || !phase || old.status?.phase === phase) return undefined;
  const created = Date.parse(current.metadata?.creationTimestamp ?? "");
  const stamp = current.status?.phaseTransitionTimestamps?.find((t) => t.phase === phase)
    ?.phaseTransitionTimestamp;
  const reached = Date.parse(stamp ?? "");
  if (Number.isNaN(created) || Number.isNaN(reached)) return undefined;
  // Timestamps have second precision and clocks skew: never below zero, as KubeVirt.
  return { phase, seconds: Math.max(0, (reached - created) / 1000) };
}
