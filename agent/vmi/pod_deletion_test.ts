import assert from "node:assert/strict";
import type { Pod } from "../../api/mod.ts";
import { launcherPodDeadline } from "./pod_deletion.ts";

function pod(deletionTimestamp?: string, deletionGracePeriodSeconds?: number): Pod {
  return {
    metadata: {
      name: "virt-launcher-vm-abcde",
      ...(deletionTimestamp ? { deletionTimestamp } : {}),
      ...(deletionGracePeriodSeconds !== undefined ? { deletionGracePeriodSeconds } : {}),
    },
  } as Pod;
}

Deno.test("launcherPodDeadline() gives the guest the VMI's grace from the pod deletion's start", () => {
  const at = (iso: string) => Date.parse(iso);
  const cases: Array<[string, Pod | undefined, number, number | undefined]> = [
    ["no pod", undefined, 2, undefined],
    ["a pod not being deleted", pod(), 2, undefined],
    // An eviction of a pod with grace 2 + 30: deleted at 00:00:00, deadline 00:00:32.
    [
      "the VMI's grace, not the padded pod's",
      pod("2026-01-01T00:00:32Z", 32),
      2,
      at("2026-01-01T00:00:02Z"),
    ],
    ["the default grace", pod("2026-01-01T00:01:00Z", 60), 30, at("2026-01-01T00:00:30Z")],
    [
      "a shorter deletion grace wins",
      pod("2026-01-01T00:00:05Z", 5),
      30,
      at("2026-01-01T00:00:05Z"),
    ],
    ["a forced deletion (grace 0)", pod("2026-01-01T00:00:00Z", 0), 30, at("2026-01-01T00:00:00Z")],
    ["grace 0 on the VMI", pod("2026-01-01T00:00:32Z", 32), 0, at("2026-01-01T00:00:00Z")],
    ["no deletion grace known", pod("2026-01-01T00:00:32Z"), 2, at("2026-01-01T00:00:32Z")],
  ];
  for (const [what, p, grace, expected] of cases) {
    assert.equal(launcherPodDeadline(p, grace), expected, what);
  }
});
