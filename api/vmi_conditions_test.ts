import assert from "node:assert/strict";
import type { Condition } from "./meta.ts";
import { dataVolumesReadyCondition, isVmiPodTerminating, isVmiReady } from "./vmi_conditions.ts";

const withReady = (ready?: Partial<Condition>) => ({
  status: {
    conditions: ready
      ? [
        { type: "LiveMigratable", status: "True" as const },
        { type: "Ready", ...ready } as Condition,
      ]
      : [],
  },
});

Deno.test("isVmiReady() is true only for a Ready condition that is True", () => {
  assert.equal(isVmiReady(withReady({ status: "True" })), true);
  assert.equal(isVmiReady(withReady({ status: "False", reason: "GuestNotRunning" })), false);
  assert.equal(isVmiReady(withReady({ status: "Unknown" })), false);
  assert.equal(isVmiReady(withReady()), false);
  assert.equal(isVmiReady({}), false);
});

Deno.test("isVmiPodTerminating() is true only for Ready False with reason PodTerminating", () => {
  assert.equal(isVmiPodTerminating(withReady({ status: "False", reason: "PodTerminating" })), true);
  assert.equal(
    isVmiPodTerminating(withReady({ status: "False", reason: "GuestNotRunning" })),
    false,
  );
  assert.equal(isVmiPodTerminating(withReady({ status: "True", reason: "PodTerminating" })), false);
  assert.equal(isVmiPodTerminating(withReady()), false);
});

Deno.test("dataVolumesReadyCondition() sums up the DataVolumes' Ready conditions as KubeVirt", () => {
  const cases: Array<[Array<"True" | "False" | "Unknown" | undefined>, string | undefined]> = [
    [[], undefined],
    [["True", "True"], "True AllDVsReady"],
    [["True", undefined], "Unknown NotAllDVsReady"],
    [["Unknown", "False", "True"], "False NotAllDVsReady"],
  ];
  for (const [readies, want] of cases) {
    const got = dataVolumesReadyCondition(readies);
    assert.equal(got && `${got.status} ${got.reason}`, want, JSON.stringify(readies));
  }
});
