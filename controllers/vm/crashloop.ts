/**
 * CrashLoopBackOff: a VMI that ends before it ever ran counts as a start failure, and the next
 * start waits longer each time (KubeVirt's `calculateStartBackoffTime`: 10 s × failures², plus up
 * to half of that again at random, at most 300 s). A VMI that reached Running clears the count.
 */
import {
  isFinished,
  type RunStrategy,
  type VirtualMachine,
  type VirtualMachineInstance,
} from "../../api/mod.ts";
import { timestamp } from "../../api/conditions.ts";
import { wasRunning } from "./run_strategy.ts";

/** KubeVirt's `defaultMaxCrashLoopBackoffDelaySeconds`. */
export const MAX_START_BACKOFF_SECONDS = 300;
const MIN_INTERVAL_SECONDS = 10;

export type StartFailure = NonNullable<NonNullable<VirtualMachine["status"]>["startFailure"]>;

/** Seconds to wait before the next start after `failCount` consecutive start failures. */
export function startBackoffSeconds(
  failCount: number,
  maxDelaySeconds = MAX_START_BACKOFF_SECONDS,
  random: () => number = Math.random,
): number {
  const count = Math.max(1, failCount);
  const interval = Math.max(MIN_INTERVAL_SECONDS, Math.floor(maxDelaySeconds / 30));
  let delay = interval * count * count;
  // Spread VMs that fail together, so that they do not all retry at once.
  delay += Math.floor(random() * (Math.floor(delay / 2) + 1));
  return Math.min(delay, maxDelaySeconds);
}

/** Strategies that restart a VMI by themselves, and so can loop. */
const RESTARTING: readonly RunStrategy[] = ["Always", "RerunOnFailure", "Once"];

/** The VMI ended without ever reaching Running. */
export function failedEarly(vmi: VirtualMachineInstance): boolean {
  return isFinished(vmi.status?.phase) && !wasRunning(vmi);
}

/**
 * The VM's next `status.startFailure`: undefined once a VMI ran (or for strategies that never
 * restart by themselves), a higher count for a new early failure, else the current one.
 */
export function nextStartFailure(
  vm: VirtualMachine,
  vmi: VirtualMachineInstance | undefined,
  runStrategy: RunStrategy,
  now: number,
  random: () => number = Math.random,
): StartFailure | undefined {
  const current = vm.status?.startFailure ?? undefined;
  if ((vmi && wasRunning(vmi)) || !RESTARTING.includes(runStrategy)) return undefined;
  if (!vmi || !failedEarly(vmi)) return current;
  if (current?.lastFailedVMIUID === vmi.metadata.uid) return current; // Counted already.
  const count = (current?.consecutiveFailCount ?? 0) + 1;
  const delaySeconds = startBackoffSeconds(count, MAX_START_BACKOFF_SECONDS, random);
  return {
    consecutiveFailCount: count,
    lastFailedVMIUID: vmi.metadata.uid ?? "",
    retryAfterTimestamp: timestamp(now + delaySeconds * 1_000),
  };
}

/** Milliseconds until the VM may start again (0 when it may start now). */
export function startBackoffLeftMs(startFailure: StartFailure | undefined, now: number): number {
  const retryAfter = startFailure?.retryAfterTimestamp;
  if (!retryAfter) return 0;
  const at = Date.parse(retryAfter);
  return Number.isFinite(at) ? Math.max(0, at - now) : 0;
}
