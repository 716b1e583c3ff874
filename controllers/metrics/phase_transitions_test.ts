import assert from "node:assert/strict";
import type { VMI } from "../../api/mod.ts";
import { transitionFromCreation } from "./phase_transitions.ts";

const at = (phase: string | undefined, stamps: Record<string, string> = {}) =>
  ({
    metadata: { creationTimestamp: "2026-01-01T00:00:00Z" },
    status: {
      ...(phase ? { phase } : {}),
      phaseTransitionTimestamps: Object.entries(stamps).map(([p, t]) => ({
        phase: p,
        phaseTransitionTimestamp: t,
      })),
    },
  }) as unknown as VMI;

Deno.test("transitionFromCreation() measures from creation to the new phase's timestamp", () => {
  const cases: Array<[string, VMI | undefined, VMI | undefined, unknown]> = [
    [
      "a phase change",
      at("Scheduled", { Scheduled: "2026-01-01T00:00:02Z" }),
      at("Running", { Scheduled: "2026-01-01T00:00:02Z", Running: "2026-01-01T00:00:05Z" }),
      { phase: "Running", seconds: 5 },
    ],
    [
      "the first sight (a list)",
      undefined,
      at("Running", { Running: "2026-01-01T00:00:05Z" }),
      undefined,
    ],
    ["no change", at("Running"), at("Running", { Running: "2026-01-01T00:00:05Z" }), undefined],
    ["a deletion", at("Running"), undefined, undefined],
    ["no timestamp for the phase", at("Scheduled"), at("Running"), undefined],
    [
      "a timestamp before creation (skew)",
      at("Pending"),
      at("Scheduling", { Scheduling: "2025-12-31T23:59:59Z" }),
      { phase: "Scheduling", seconds: 0 },
    ],
  ];
  for (const [what, old, current, want] of cases) {
    assert.deepEqual(transitionFromCreation(old, current), want, what);
  }
});
