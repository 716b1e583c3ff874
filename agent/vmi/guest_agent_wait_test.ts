import assert from "node:assert/strict";
import type { VMI } from "../../api/mod.ts";
import { GUEST_AGENT_POLL_MS, guestAgentRecheckMs } from "./guest_agent_wait.ts";
import type { ObservedDomain } from "./types.ts";

const vmi = (runningAt?: string) =>
  ({
    metadata: { namespace: "ns", name: "vm" },
    status: {
      phase: "Running",
      phaseTransitionTimestamps: runningAt
        ? [{ phase: "Running", phaseTransitionTimestamp: runningAt }]
        : [],
    },
  }) as unknown as VMI;

const domain = (state: ObservedDomain["state"], connected: boolean): ObservedDomain => ({
  name: "ns_vm",
  uuid: "u",
  state,
  reason: "booted",
  owner: { uid: "x", node: "n" },
  live: { interfaces: [], disks: [], machine: "q35", guestAgentConnected: connected },
});

Deno.test("guestAgentRecheckMs() looks again while a new VMI's guest agent has not connected", () => {
  const now = "2026-01-01T00:10:00Z";
  const cases: Array<[string, VMI, ObservedDomain, number | undefined]> = [
    [
      "just running, no agent",
      vmi("2026-01-01T00:09:00Z"),
      domain("running", false),
      GUEST_AGENT_POLL_MS,
    ],
    ["running this pass (no timestamp yet)", vmi(), domain("running", false), GUEST_AGENT_POLL_MS],
    ["agent connected", vmi("2026-01-01T00:09:00Z"), domain("running", true), undefined],
    [
      "running for over 5 minutes",
      vmi("2026-01-01T00:04:00Z"),
      domain("running", false),
      undefined,
    ],
    ["paused", vmi("2026-01-01T00:09:00Z"), domain("paused", false), undefined],
    [
      "migrating",
      { ...vmi("2026-01-01T00:09:00Z"), status: { phase: "Running", migrationState: {} } } as VMI,
      domain("running", false),
      undefined,
    ],
  ];
  for (const [what, v, d, want] of cases) assert.equal(guestAgentRecheckMs(v, d, now), want, what);
});
