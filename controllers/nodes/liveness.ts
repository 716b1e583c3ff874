/**
 * Whether a node is unresponsive, judged as kube-controller-manager judges Node Leases: by when
 * this process saw the Lease's renewTime change, on its own clock. Clocks of other hosts never
 * enter the judgement, so their skew cannot make a node look dead early. A process that just
 * started has seen every renewal "now": it waits a full threshold before declaring anything.
 */

/** The last renewal seen of one node: the Lease's renewTime and when it was first seen (ms). */
export interface RenewalSeen {
  renewTime: string;
  seenAt: number;
}

/**
 * The renewal seen after looking at the Lease now. A Lease that is gone (its Node deleted) keeps
 * the last renewal seen, so the node's VMIs are still released once the threshold passes.
 */
export function seeRenewal(
  previous: RenewalSeen | undefined,
  renewTime: string | undefined,
  now: number,
): RenewalSeen | undefined {
  if (renewTime === undefined) return previous;
  if (previous?.renewTime === renewTime) return previous;
  return { renewTime, seenAt: now };
}

/** A node's state: unresponsive, or responsive for `unresponsiveInMs` more without renewals. */
export type Liveness = { unresponsive: true } | { unresponsive: false; unresponsiveInMs: number };

/** The liveness of a node whose last renewal was `seen`, with a threshold of `thresholdMs`. */
export function livenessOf(seen: RenewalSeen, now: number, thresholdMs: number): Liveness {
  const due = seen.seenAt + thresholdMs;
  return now >= due ? { unresponsive: true } : { unresponsive: false, unresponsiveInMs: due - now };
}
