import assert from "node:assert/strict";
import {
  hasStartPausedRequest,
  hasStartRequest,
  hasStopRequestFor,
  RunStrategyError,
  runStrategyOf,
  type RunStrategyVm,
} from "./run_strategy.ts";

const vm = (spec: RunStrategyVm["spec"], status?: RunStrategyVm["status"]): RunStrategyVm => ({
  metadata: { name: "web", namespace: "ns" },
  spec,
  ...(status ? { status } : {}),
});

Deno.test("runStrategyOf() maps running to Always/Halted and defaults to Halted", () => {
  assert.equal(runStrategyOf(vm({ running: true })), "Always");
  assert.equal(runStrategyOf(vm({ running: false })), "Halted");
  assert.equal(runStrategyOf(vm({})), "Halted");
  assert.equal(runStrategyOf(vm({ runStrategy: "Manual" })), "Manual");
});

Deno.test("runStrategyOf() refuses running together with runStrategy, naming the VM", () => {
  assert.throws(
    () => runStrategyOf(vm({ running: false, runStrategy: "Always" })),
    (error) =>
      error instanceof RunStrategyError && /VM ns\/web: spec.running and spec.runStrategy/.test(
        error.message,
      ),
  );
});

Deno.test("hasStartRequest() and friends read only the first state change request", () => {
  const stopThenStart = vm({}, {
    stateChangeRequests: [{ action: "Stop", uid: "u1" }, { action: "Start" }],
  });
  assert.equal(hasStartRequest(stopThenStart), false);
  assert.equal(hasStopRequestFor(stopThenStart, "u1"), true);
  assert.equal(hasStopRequestFor(stopThenStart, "u2"), false);
  assert.equal(
    hasStopRequestFor(vm({}, { stateChangeRequests: [{ action: "Stop" }] }), undefined),
    false,
  );
  const paused = vm({}, { stateChangeRequests: [{ action: "Start", data: { paused: "true" } }] });
  assert.equal(hasStartRequest(paused), true);
  assert.equal(hasStartPausedRequest(paused), true);
  assert.equal(
    hasStartPausedRequest(vm({}, { stateChangeRequests: [{ action: "Start" }] })),
    false,
  );
});
