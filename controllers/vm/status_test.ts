import assert from "node:assert/strict";
import type { VirtualMachinePrintableStatus, VM, VMI } from "../../api/mod.ts";
import { printableStatusOf } from "./printable_status.ts";
import { vmStatusOf } from "./status.ts";
import { NOW, vmFixture, VMI_UID, vmiInPhase, vmWithStrategy } from "./testdata/fixtures.ts";

const cond = (type: string, status: "True" | "False", reason?: string) => ({
  type,
  status,
  ...(reason ? { reason } : {}),
});
const withConditions = (vmi: VMI, ...conditions: ReturnType<typeof cond>[]) => {
  vmi.status!.conditions = conditions;
  return vmi;
};
const volumes = (claims: Record<string, string>, dvs: Record<string, string> = {}) => ({
  claim: (n: string) => claims[n] ? { status: { phase: claims[n] } } : undefined,
  dataVolume: (n: string) => dvs[n] ? { status: { phase: dvs[n] } } : undefined,
});

Deno.test("printableStatusOf() follows KubeVirt's order, first match wins", () => {
  const always = vmWithStrategy("Always");
  const cases: Array<[string, VM, VMI | undefined, object, VirtualMachinePrintableStatus]> = [
    ["Halted without VMI", vmWithStrategy("Halted"), undefined, {}, "Stopped"],
    ["a create under way", always, undefined, { starting: true }, "Starting"],
    ["VMI Pending", always, vmiInPhase("Pending"), {}, "Starting"],
    ["VMI unset phase", always, vmiInPhase(""), {}, "Starting"],
    ["VMI Scheduled", always, vmiInPhase("Scheduled"), {}, "Starting"],
    ["VMI Running", always, vmiInPhase("Running"), {}, "Running"],
    [
      "VMI Running paused",
      always,
      withConditions(vmiInPhase("Running"), cond("Paused", "True")),
      {},
      "Paused",
    ],
    ["VMI Succeeded", always, vmiInPhase("Succeeded"), {}, "Stopped"],
    [
      "VMI deleting",
      always,
      vmiInPhase("Running", (v) => v.metadata.deletionTimestamp = "x"),
      {},
      "Stopping",
    ],
    ["a delete under way", always, vmiInPhase("Running"), { stopping: true }, "Stopping"],
    [
      "VM deleting",
      vmFixture((vm) => vm.metadata.deletionTimestamp = "x"),
      vmiInPhase("Running"),
      {},
      "Terminating",
    ],
    [
      "unschedulable",
      always,
      withConditions(vmiInPhase("Scheduling"), cond("PodScheduled", "False", "Unschedulable")),
      {},
      "ErrorUnschedulable",
    ],
    [
      "PVC not found",
      always,
      withConditions(
        vmiInPhase("Pending"),
        cond("Synchronized", "False", "FailedPvcNotFound"),
        cond("PodScheduled", "False", "Unschedulable"),
      ),
      {},
      "ErrorPvcNotFound",
    ],
    [
      "image pull",
      always,
      withConditions(vmiInPhase("Scheduling"), cond("Synchronized", "False", "ErrImagePull")),
      {},
      "ErrImagePull",
    ],
    [
      "image never pulled",
      always,
      withConditions(vmiInPhase("Scheduled"), cond("Synchronized", "False", "ErrImageNeverPull")),
      {},
      "ErrImagePull",
    ],
    [
      "image pull backing off",
      always,
      withConditions(vmiInPhase("Scheduled"), cond("Synchronized", "False", "ImagePullBackOff")),
      {},
      "ImagePullBackOff",
    ],
    [
      "migrating",
      always,
      vmiInPhase("Running", (v) => v.status!.migrationState = { startTimestamp: "x" }),
      {},
      "Migrating",
    ],
    ["VMI phase Unknown", always, vmiInPhase("Unknown"), {}, "Unknown"],
    [
      "start failures",
      vmWithStrategy("Always", (vm) => vm.status!.startFailure = { consecutiveFailCount: 1 }),
      undefined,
      {},
      "CrashLoopBackOff",
    ],
    [
      "start failures, Manual",
      vmWithStrategy("Manual", (vm) => vm.status!.startFailure = { consecutiveFailCount: 1 }),
      undefined,
      {},
      "Stopped",
    ],
  ];
  for (const [what, vm, vmi, inputs, want] of cases) {
    const strategy = vm.spec.runStrategy;
    assert.equal(printableStatusOf(vm, vmi, { runStrategy: strategy, ...inputs }), want, what);
  }
});

Deno.test("printableStatusOf() reports volume states from the claims and DataVolumes", () => {
  const dvVm = vmWithStrategy("Always", (vm) => {
    vm.spec.template.spec.volumes = [{ name: "rootdisk", dataVolume: { name: "root" } }];
  });
  const inputs = (v: ReturnType<typeof volumes>) => ({
    runStrategy: "Always" as const,
    volumes: v,
  });
  assert.equal(
    printableStatusOf(dvVm, undefined, inputs(volumes({}, { root: "ImportInProgress" }))),
    "Provisioning",
  );
  assert.equal(
    printableStatusOf(dvVm, undefined, inputs(volumes({}, { root: "Failed" }))),
    "DataVolumeError",
  );
  assert.equal(
    printableStatusOf(vmWithStrategy("Always"), undefined, inputs(volumes({ root: "Pending" }))),
    "WaitingForVolumeBinding",
  );
  assert.equal(
    printableStatusOf(vmWithStrategy("Halted"), undefined, {
      runStrategy: "Halted",
      volumes: volumes({ root: "Pending" }),
    }),
    "Stopped",
    "an unbound claim matters only to a VM that is to start",
  );
});

Deno.test("vmStatusOf() mirrors the VMI: created, ready, conditions, generations", () => {
  const vm = vmWithStrategy("Always", (vm) => {
    vm.status!.conditions = [{ type: "PodScheduled", status: "False", reason: "Unschedulable" }];
  });
  const status = vmStatusOf({
    vm,
    vmi: vmiInPhase("Running"),
    runStrategy: "Always",
    action: { kind: "keep" },
    appendStartRequest: false,
    error: undefined,
    now: NOW,
  });
  assert.equal(status.created, true);
  assert.equal(status.ready, true);
  assert.equal(status.printableStatus, "Running");
  assert.deepEqual(status.conditions?.map((c) => [c.type, c.status]), [
    ["Ready", "True"],
    ["LiveMigratable", "True"],
  ]);
  assert.equal(status.observedGeneration, 2, "the generation the VMI was made from");
  assert.equal(status.desiredGeneration, 3);
});

Deno.test("vmStatusOf() without a VMI: Ready False VMINotExists, Stopped", () => {
  const status = vmStatusOf({
    vm: vmWithStrategy("Halted"),
    vmi: undefined,
    runStrategy: "Halted",
    action: { kind: "keep" },
    appendStartRequest: false,
    error: undefined,
    now: NOW,
  });
  assert.equal(status.created, false);
  assert.equal(status.ready, false);
  assert.equal(status.printableStatus, "Stopped");
  assert.deepEqual(status.conditions, [{
    type: "Ready",
    status: "False",
    reason: "VMINotExists",
    message: "VMI does not exist",
    lastTransitionTime: "2026-01-01T00:10:00Z",
  }]);
  assert.equal(status.observedGeneration, 3);
});

Deno.test("vmStatusOf() reports a failed pass in Failure and keeps observedGeneration", () => {
  const vm = vmWithStrategy("Always", (vm) => vm.status!.observedGeneration = 1);
  const status = vmStatusOf({
    vm,
    vmi: undefined,
    runStrategy: "Always",
    action: { kind: "create" },
    appendStartRequest: false,
    error: { reason: "FailedCreate", message: "Cannot start VM default/testvm: quota" },
    now: NOW,
  });
  const failure = status.conditions?.find((c) => c.type === "Failure");
  assert.equal(failure?.status, "True");
  assert.equal(failure?.reason, "FailedCreate");
  assert.equal(status.observedGeneration, 1);
  assert.equal(status.printableStatus, "Stopped", "the create did not happen");
});

Deno.test("vmStatusOf() trims a honoured request and queues a start after a failed RerunOnFailure VMI", () => {
  const stopDone = vmWithStrategy("Manual", (vm) => {
    vm.status!.stateChangeRequests = [{ action: "Stop", uid: VMI_UID }, { action: "Start" }];
  });
  const trimmed = vmStatusOf({
    vm: stopDone,
    vmi: undefined,
    runStrategy: "Manual",
    action: { kind: "keep" },
    appendStartRequest: false,
    error: undefined,
    now: NOW,
  });
  assert.deepEqual(trimmed.stateChangeRequests, [{ action: "Start" }]);
  const rerun = vmStatusOf({
    vm: vmWithStrategy("RerunOnFailure"),
    vmi: vmiInPhase("Failed"),
    runStrategy: "RerunOnFailure",
    action: { kind: "delete", uid: VMI_UID },
    appendStartRequest: true,
    error: undefined,
    now: NOW,
  });
  assert.deepEqual(rerun.stateChangeRequests, [{ action: "Start" }]);
  assert.equal(rerun.startFailure?.consecutiveFailCount, 1, "it failed before running");
});

Deno.test("vmStatusOf() keeps an unchanged status equal, timestamps included", () => {
  const inputs = {
    vmi: vmiInPhase("Running"),
    runStrategy: "Always" as const,
    action: { kind: "keep" as const },
    appendStartRequest: false,
    error: undefined,
  };
  const first = vmStatusOf({ vm: vmWithStrategy("Always"), ...inputs, now: NOW });
  const again = vmStatusOf({
    vm: vmWithStrategy("Always", (vm) => vm.status = first),
    ...inputs,
    now: NOW + 60_000,
  });
  assert.deepEqual(again, first);
});

Deno.test("printableStatusOf() tells a VM's DataVolume states apart as KubeVirt does", () => {
  const dvVm = vmWithStrategy("Always", (vm) => {
    vm.spec.template.spec.volumes = [{ name: "rootdisk", dataVolume: { name: "root" } }];
  });
  type Dv = { phase?: string; running?: string; bound?: boolean } | undefined;
  const view = (dv: Dv, claimPhase?: string) => ({
    claim: () => claimPhase ? { status: { phase: claimPhase } } : undefined,
    dataVolume: () =>
      dv && {
        status: {
          ...(dv.phase ? { phase: dv.phase } : {}),
          conditions: [
            { type: "Bound", status: dv.bound ? "True" as const : "False" as const },
            { type: "Running", status: "False" as const, reason: dv.running ?? "" },
          ],
        },
      },
  });
  const cases: Array<[string, VMI | undefined, ReturnType<typeof view>, object, string]> = [
    [
      "importing while the VMI is Scheduled",
      vmiInPhase("Scheduled"),
      view({
        phase: "ImportInProgress",
        bound: true,
      }, "Bound"),
      {},
      "Provisioning",
    ],
    ["a DataVolume without status yet", undefined, view({}), {}, "Provisioning"],
    ["templates being created", undefined, view(undefined), {
      creatingDataVolumes: true,
    }, "Provisioning"],
    ["Pending before its claim exists", undefined, view({ phase: "Pending" }), {}, "Provisioning"],
    [
      "Pending with its claim waiting to bind",
      undefined,
      view({ phase: "Pending" }, "Pending"),
      {},
      "WaitingForVolumeBinding",
    ],
    [
      "waiting for its first consumer",
      vmiInPhase("Scheduling"),
      view({ phase: "WaitForFirstConsumer" }, "Pending"),
      {},
      "WaitingForVolumeBinding",
    ],
    [
      "an import retrying after an error",
      undefined,
      view({ phase: "ImportInProgress", running: "Error", bound: true }, "Bound"),
      {},
      "DataVolumeError",
    ],
    [
      "succeeded, VMI Scheduled",
      vmiInPhase("Scheduled"),
      view({ phase: "Succeeded", bound: true }, "Bound"),
      {},
      "Starting",
    ],
  ];
  for (const [what, vmi, volumes, more, want] of cases) {
    assert.equal(
      printableStatusOf(dvVm, vmi, { runStrategy: "Always", volumes, ...more }),
      want,
      what,
    );
  }
});
