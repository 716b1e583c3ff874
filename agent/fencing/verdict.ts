/**
 * The agent's side of fencing (adr/0012-live-migration.md, "Assignment and fencing"), pure:
 * when this node must hold no running domain, and which domains it may not keep at start-up.
 * The Lease's renewTime was written on this host (by this agent or by this host's kubelet), so
 * comparing it with this host's clock involves no other clock.
 */
import {
  fenceFits,
  isAssignedTo,
  isFinished,
  LEASE_RENEW_SECONDS,
  longestFenceUnder,
  NODE_UNRESPONSIVE_SECONDS_KEY,
  nodeUnresponsiveSecondsOf,
  type VirtualMachineInstance,
} from "../../api/mod.ts";

/** Fenced: destroy every domain, start none; else how long until the fence time passes. */
export type FenceVerdict = { fenced: true } | { fenced: false; fencedInMs: number };

/**
 * The verdict at `now` for a node whose Lease was last renewed at `lastRenewal` (ms; undefined:
 * never, or unknown), with a fence time of `fenceMs`.
 */
export function fenceVerdict(
  lastRenewal: number | undefined,
  now: number,
  fenceMs: number,
): FenceVerdict {
  if (lastRenewal === undefined || Number.isNaN(lastRenewal)) return { fenced: true };
  const deadline = lastRenewal + fenceMs;
  return now >= deadline ? { fenced: true } : { fenced: false, fencedInMs: deadline - now };
}

/**
 * The fence time to use: the agent's flag, shortened when the controllers' threshold (the
 * ConfigMap's value) leaves less than a renew interval after it, with the reason to log.
 */
export function effectiveFenceSeconds(
  flagSeconds: number,
  thresholdValue: string | undefined,
): { seconds: number; error?: string } {
  const threshold = nodeUnresponsiveSecondsOf(thresholdValue).seconds;
  if (fenceFits(flagSeconds, threshold)) return { seconds: flagSeconds };
  const seconds = longestFenceUnder(threshold);
  return {
    seconds,
    error: `${NODE_UNRESPONSIVE_SECONDS_KEY} (${threshold} s) must be greater than the fence ` +
      `time (--fence-seconds=${flagSeconds}) plus one Lease renewal (${LEASE_RENEW_SECONDS} s): ` +
      `fencing at ${seconds} s instead`,
  };
}

/** A domain this node's agent made, as the start-up check sees it. */
export interface OwnedDomain {
  uuid: string;
  name: string;
  active: boolean;
  owner: { namespace: string; name: string; uid: string };
}

/**
 * Whether a domain may stay at start-up: its VMI exists with the same uid, has not finished, and
 * is assigned to this node (its node, or the target of its migration in flight).
 */
export function mayKeepAtStart(
  domain: OwnedDomain,
  vmi: VirtualMachineInstance | undefined,
  node: string,
): boolean {
  if (!vmi || vmi.metadata.uid !== domain.owner.uid) return false;
  return isAssignedTo(vmi, node) && !isFinished(vmi.status?.phase);
}
