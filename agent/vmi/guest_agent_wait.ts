/**
 * How long the VMI controller looks again for a guest agent that has not connected yet. libvirt
 * reports the connection only in the live XML, which no domain event announces: a Running VMI
 * is looked at every few seconds for its first minutes, until its guest agent connects (KubeVirt
 * polls its agents too); after that window, a guest without an agent costs nothing.
 */
import type { VMI } from "../../api/mod.ts";
import type { ObservedDomain } from "./types.ts";

/** How often a Running VMI is looked at while its guest agent has not connected. */
export const GUEST_AGENT_POLL_MS = 5_000;
/** How long after the VMI became Running its guest agent is waited for. */
export const GUEST_AGENT_WAIT_MS = 5 * 60_000;

/** The delay before the next look for the guest agent, or undefined when none is needed. */
export function guestAgentRecheckMs(
  vmi: VMI,
  domain: ObservedDomain,
  now: string,
): number | undefined {
  if (domain.state !== "running" || domain.live?.guestAgentConnected) return undefined;
  // A migration in flight polls on its own schedule.
  const migration = vmi.status?.migrationState;
  if (migration && !migration.completed) return undefined;
  const since = vmi.status?.phaseTransitionTimestamps?.findLast((t) => t.phase === "Running")
    ?.phaseTransitionTimestamp;
  const running = Date.parse(since ?? now);
  const elapsed = Date.parse(now) - (Number.isNaN(running) ? Date.parse(now) : running);
  return elapsed < GUEST_AGENT_WAIT_MS ? GUEST_AGENT_POLL_MS : undefined;
}
