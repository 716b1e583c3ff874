import assert from "node:assert/strict";
import { nextStartFailure, startBackoffLeftMs, startBackoffSeconds } from "./crashloop.ts";
import { NOW, VMI_UID, vmiInPhase, vmWithStrategy } from "./testdata/fixtures.ts";

Deno.test("startBackoffSeconds() grows as 10 s × failures², capped at 300 s", () => {
  const none = () => 0;
  assert.deepEqual([1, 2, 3, 4, 5, 6, 9].map((n) => startBackoffSeconds(n, 300, none)), [
    10,
    40,
    90,
    160,
    250,
    300,
    300,
  ]);
  assert.equal(startBackoffSeconds(0, 300, none), 10, "no failure counts as one");
});

Deno.test("startBackoffSeconds() adds up to half the delay at random", () => {
  const most = () => 0.9999;
  assert.equal(startBackoffSeconds(1, 300, most), 15);
  assert.equal(startBackoffSeconds(2, 300, most), 60);
  assert.equal(startBackoffSeconds(4, 300, most), 240);
});

Deno.test("nextStartFailure() counts a VMI that ended before running, once per VMI", () => {
  const vm = vmWithStrategy("Always");
  const failed = vmiInPhase("Failed");
  const first = nextStartFailure(vm, failed, "Always", NOW, () => 0);
  assert.deepEqual(first, {
    consecutiveFailCount: 1,
    lastFailedVMIUID: VMI_UID,
    retryAfterTimestamp: "2026-01-01T00:10:10Z",
  });
  const counted = vmWithStrategy("Always", (vm) => vm.status!.startFailure = first);
  assert.deepEqual(nextStartFailure(counted, failed, "Always", NOW + 5_000), first);
  const next = vmiInPhase("Succeeded", (v) => v.metadata.uid = "second");
  assert.equal(nextStartFailure(counted, next, "Always", NOW, () => 0)?.consecutiveFailCount, 2);
});

Deno.test("nextStartFailure() clears after a VMI ran, and for Manual and Halted", () => {
  const failing = vmWithStrategy("Always", (vm) =>
    vm.status!.startFailure = {
      consecutiveFailCount: 3,
      lastFailedVMIUID: "x",
      retryAfterTimestamp: "2026-01-01T00:11:00Z",
    });
  const ranThenFailed = vmiInPhase("Failed", (v) => {
    v.status!.phaseTransitionTimestamps!.push({ phase: "Running", phaseTransitionTimestamp: null });
  });
  assert.equal(nextStartFailure(failing, ranThenFailed, "Always", NOW), undefined);
  assert.equal(nextStartFailure(failing, vmiInPhase("Failed"), "Manual", NOW), undefined);
  assert.equal(nextStartFailure(failing, undefined, "Halted", NOW), undefined);
  assert.equal(nextStartFailure(failing, undefined, "Always", NOW), failing.status!.startFailure);
});

Deno.test("startBackoffLeftMs() is the time to retryAfterTimestamp, never negative", () => {
  const sf = { retryAfterTimestamp: "2026-01-01T00:10:30Z" };
  assert.equal(startBackoffLeftMs(sf, NOW), 30_000);
  assert.equal(startBackoffLeftMs(sf, NOW + 60_000), 0);
  assert.equal(startBackoffLeftMs(undefined, NOW), 0);
});
