import assert from "node:assert/strict";
import {
  changeRequestPatch,
  lifecycleOptionsOf,
  restartPlan,
  startPlan,
  stopPlan,
  type VmiLike,
  type VmLike,
} from "./lifecycle.ts";
import { StatusError } from "../lib/http/status.ts";

const vm = (spec: VmLike["spec"], status?: VmLike["status"]): VmLike => ({
  metadata: { name: "web", namespace: "ns" },
  spec,
  ...(status ? { status } : {}),
});
const vmi = (phase: string, extra: Partial<VmiLike["spec"]> = {}): VmiLike => ({
  metadata: { name: "web", namespace: "ns", uid: "u1" },
  spec: { ...extra },
  status: { phase },
});
const opts = { dryRun: false, paused: false };

function codeOf(fn: () => unknown): [number, string] {
  try {
    fn();
  } catch (error) {
    if (error instanceof StatusError) return [error.status.code, error.status.message ?? ""];
    throw error;
  }
  throw new Error("expected a StatusError");
}

Deno.test("startPlan() answers 500 for a VM with both running and runStrategy, as KubeVirt", () => {
  const [code, message] = codeOf(() =>
    startPlan(vm({ running: true, runStrategy: "Manual" }), undefined, opts)
  );
  assert.equal(code, 500);
  assert.match(message, /spec.running and spec.runStrategy are mutually exclusive/);
});

Deno.test("startPlan() flips a Halted VM to Always, guarded by a test", () => {
  assert.deepEqual(startPlan(vm({ runStrategy: "Halted" }), undefined, opts), [{
    target: "vm",
    patch: [
      { op: "test", path: "/spec/runStrategy", value: "Halted" },
      { op: "replace", path: "/spec/runStrategy", value: "Always" },
    ],
  }]);
  assert.deepEqual(startPlan(vm({ running: false }), undefined, opts)[0]!.patch, [
    { op: "test", path: "/spec/running", value: false },
    { op: "replace", path: "/spec/running", value: true },
  ]);
});

Deno.test("startPlan() of a paused start on a Halted VM sends a Start request with data", () => {
  assert.deepEqual(startPlan(vm({ runStrategy: "Halted" }), undefined, { ...opts, paused: true }), [
    {
      target: "vm-status",
      patch: [{
        op: "add",
        path: "/status",
        value: { stateChangeRequests: [{ action: "Start", data: { paused: "true" } }] },
      }],
    },
  ]);
});

Deno.test("startPlan() sends Manual VMs a Start request, and Stop+Start after a final VMI", () => {
  const manual = vm({ runStrategy: "Manual" }, { printableStatus: "Stopped" });
  assert.deepEqual(startPlan(manual, undefined, opts)[0]!.patch, [
    { op: "test", path: "/status/stateChangeRequests", value: null },
    { op: "add", path: "/status/stateChangeRequests", value: [{ action: "Start" }] },
  ]);
  assert.deepEqual(startPlan(manual, vmi("Succeeded"), opts)[0]!.patch[1], {
    op: "add",
    path: "/status/stateChangeRequests",
    value: [{ action: "Stop", uid: "u1" }, { action: "Start" }],
  });
});

Deno.test("startPlan() refuses running VMs and Always/Once with 409", () => {
  assert.deepEqual(
    codeOf(() => startPlan(vm({ runStrategy: "Halted" }), vmi("Running"), opts)),
    [
      409,
      'Operation cannot be fulfilled on virtualmachine.kubevirt.io "web": VM is already running',
    ],
  );
  assert.equal(codeOf(() => startPlan(vm({ runStrategy: "Always" }), undefined, opts))[0], 409);
  assert.match(
    codeOf(() => startPlan(vm({ runStrategy: "Once" }), undefined, opts))[1],
    /Once does not support manual start requests/,
  );
  assert.match(
    codeOf(() => startPlan(vm({ runStrategy: "RerunOnFailure" }), vmi("Failed"), opts))[1],
    /does not support starting VM from failed state/,
  );
});

Deno.test("startPlan() starts again over a Pending-less VMI in phase Unknown or unset", () => {
  assert.equal(startPlan(vm({ runStrategy: "Halted" }), vmi("Unknown"), opts).length, 1);
  assert.equal(startPlan(vm({ runStrategy: "Halted" }), vmi(""), opts).length, 1);
});

Deno.test("stopPlan() flips Always to Halted and asks Manual VMs to Stop their VMI", () => {
  assert.deepEqual(stopPlan(vm({ runStrategy: "Always" }), vmi("Running"), opts), [{
    target: "vm",
    patch: [
      { op: "test", path: "/spec/runStrategy", value: "Always" },
      { op: "replace", path: "/spec/runStrategy", value: "Halted" },
    ],
  }]);
  assert.deepEqual(stopPlan(vm({ runStrategy: "Manual" }), vmi("Running"), opts), [{
    target: "vm-status",
    patch: [{
      op: "add",
      path: "/status",
      value: { stateChangeRequests: [{ action: "Stop", uid: "u1" }] },
    }],
  }]);
});

Deno.test("stopPlan() with a grace period patches the VMI first", () => {
  const steps = stopPlan(
    vm({ runStrategy: "Always" }),
    vmi("Running", { terminationGracePeriodSeconds: 30 }),
    { ...opts, gracePeriod: 0 },
  );
  assert.deepEqual(steps[0], {
    target: "vmi",
    patch: [
      { op: "test", path: "/spec/terminationGracePeriodSeconds", value: 30 },
      { op: "add", path: "/spec/terminationGracePeriodSeconds", value: 0 },
    ],
  });
  assert.equal(steps[1]!.target, "vm");
});

Deno.test("stopPlan() refuses a VM that is not running and a Halted VM without a shorter grace", () => {
  assert.deepEqual(
    codeOf(() => stopPlan(vm({ runStrategy: "Manual" }), undefined, opts)),
    [409, 'Operation cannot be fulfilled on virtualmachine.kubevirt.io "web": VM is not running'],
  );
  assert.match(
    codeOf(() => stopPlan(vm({ runStrategy: "Halted" }), vmi("Running"), opts))[1],
    /shorter graceperiod/,
  );
  const forced = stopPlan(vm({ runStrategy: "Halted" }), vmi("Running"), {
    ...opts,
    gracePeriod: 0,
  });
  assert.deepEqual(forced.map((s) => s.target), ["vmi", "vm-status"]);
});

Deno.test("restartPlan() sends Stop for the VMI's uid then Start", () => {
  assert.deepEqual(restartPlan(vm({ runStrategy: "Always" }), vmi("Running"), opts), [{
    target: "vm-status",
    patch: [{
      op: "add",
      path: "/status",
      value: { stateChangeRequests: [{ action: "Stop", uid: "u1" }, { action: "Start" }] },
    }],
  }]);
});

Deno.test("restartPlan() refuses Halted, a missing VMI and grace periods other than 0", () => {
  assert.equal(
    codeOf(() => restartPlan(vm({ runStrategy: "Halted" }), vmi("Running"), opts))[0],
    409,
  );
  assert.deepEqual(
    codeOf(() => restartPlan(vm({ runStrategy: "Always" }), undefined, opts)),
    [409, 'Operation cannot be fulfilled on virtualmachine.kubevirt.io "web": VM is not running'],
  );
  assert.equal(
    codeOf(() =>
      restartPlan(vm({ runStrategy: "Always" }), vmi("Running"), { ...opts, gracePeriod: 5 })
    )[0],
    400,
  );
});

Deno.test("changeRequestPatch() lets a lone Stop replace pending requests, and refuses others", () => {
  const pending = vm({ runStrategy: "Manual" }, {
    stateChangeRequests: [{ action: "Start" }],
    startFailure: {},
  });
  assert.deepEqual(changeRequestPatch(pending, [{ action: "Stop", uid: "u1" }]), [
    { op: "test", path: "/status/stateChangeRequests", value: [{ action: "Start" }] },
    { op: "add", path: "/status/stateChangeRequests", value: [{ action: "Stop", uid: "u1" }] },
    { op: "remove", path: "/status/startFailure" },
  ]);
  assert.match(
    codeOf(() => changeRequestPatch(pending, [{ action: "Start" }]))[1],
    /stop\/start already underway/,
  );
});

Deno.test("lifecycleOptionsOf() reads bodies leniently and rejects malformed JSON", () => {
  assert.deepEqual(lifecycleOptionsOf(""), { dryRun: false, paused: false });
  assert.deepEqual(
    lifecycleOptionsOf('{"gracePeriod":0,"dryRun":["All"],"paused":true,"extra":1}'),
    { gracePeriod: 0, dryRun: true, paused: true },
  );
  assert.deepEqual(lifecycleOptionsOf('{"gracePeriodSeconds":0}').gracePeriod, 0);
  assert.equal(codeOf(() => lifecycleOptionsOf("{nope"))[0], 400);
});
