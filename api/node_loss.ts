/**
 * Node loss and fencing, as the controllers and the agents share them (adr/0012-live-migration.md,
 * "Assignment and fencing"): the timings, their rule, and KubeVirt's reason for the VMIs of a lost
 * node. Every duration is counted on one clock only (the agent's host, or the controllers' own).
 */

/** KubeVirt's reason (VMI status and Events) for a VMI failed because its node went silent. */
export const NODE_UNRESPONSIVE_REASON = "NodeUnresponsive";

/** Where kubelets, and agents where none runs, keep their nodes' Leases (one per node, its name). */
export const NODE_LEASE_NAMESPACE = "kube-node-lease";

/** How often a node's Lease is renewed (kubelet's interval, and the agent's where none runs). */
export const LEASE_RENEW_SECONDS = 10;
/** The agent's default fence time: no renewal for this long and it destroys its domains. */
export const DEFAULT_FENCE_SECONDS = 20;
/** A shorter fence time would fence a healthy node between two renewals. */
export const MIN_FENCE_SECONDS = LEASE_RENEW_SECONDS + 5;
/** The controllers' default threshold when the ConfigMap does not set one. */
export const DEFAULT_NODE_UNRESPONSIVE_SECONDS = 60;
/** The smallest threshold any agent's fence time can fit under. */
export const MIN_NODE_UNRESPONSIVE_SECONDS = MIN_FENCE_SECONDS + LEASE_RENEW_SECONDS + 1;

/**
 * The rule that keeps a VM from running twice: the controllers' threshold is greater than the
 * agent's fence time plus one renew interval, so when the controllers act, the node's agent has
 * destroyed its domains (or is fenced) for at least one renew interval.
 */
export function fenceFits(fenceSeconds: number, thresholdSeconds: number): boolean {
  return thresholdSeconds > fenceSeconds + LEASE_RENEW_SECONDS;
}

/** The longest fence time that fits under `thresholdSeconds`. */
export function longestFenceUnder(thresholdSeconds: number): number {
  return thresholdSeconds - LEASE_RENEW_SECONDS - 1;
}

/** A threshold as the ConfigMap gives it: its seconds, or why the value cannot be used. */
export function nodeUnresponsiveSecondsOf(
  value: string | undefined,
): { seconds: number; error?: string } {
  if (value === undefined || value.trim() === "") {
    return { seconds: DEFAULT_NODE_UNRESPONSIVE_SECONDS };
  }
  const seconds = Number(value.trim());
  if (!Number.isInteger(seconds) || seconds < MIN_NODE_UNRESPONSIVE_SECONDS) {
    return {
      seconds: DEFAULT_NODE_UNRESPONSIVE_SECONDS,
      error: `must be a whole number of seconds greater than the agents' fence time plus one ` +
        `Lease renewal (${LEASE_RENEW_SECONDS} s), at least ${MIN_NODE_UNRESPONSIVE_SECONDS}; ` +
        `got ${JSON.stringify(value)}`,
    };
  }
  return { seconds };
}

/** The message of the Event and the Ready condition of a VMI failed for its node. */
export function nodeUnresponsiveMessage(node: string): string {
  return `denovirt-agent on node ${node} is not responsive, marking VMI as failed`;
}
