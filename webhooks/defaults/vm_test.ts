import assert from "node:assert/strict";
import { type VirtualMachine, VM_CONTROLLER_FINALIZER } from "../../api/mod.ts";
import {
  addControllerFinalizer,
  defaultVirtualMachine,
  RUNNING_DEPRECATED_WARNING,
  setRunStrategyFromRunning,
} from "./vm.ts";
import { defaultReplicaSet, defaultVirtualMachineInstance } from "./vmi.ts";

const vm = (spec: Record<string, unknown>) =>
  ({
    apiVersion: "kubevirt.io/v1",
    kind: "VirtualMachine",
    metadata: { name: "testvmi" },
    spec: { template: { spec: { domain: { devices: {} } } }, ...spec },
  }) as VirtualMachine;

Deno.test("setRunStrategyFromRunning() turns running true into Always and false into Halted", () => {
  const on = { running: true };
  assert.equal(setRunStrategyFromRunning(on), true);
  assert.deepEqual(on, { runStrategy: "Always" });
  const off: Record<string, unknown> = { running: false };
  setRunStrategyFromRunning(off);
  assert.deepEqual(off, { runStrategy: "Halted" });
});

Deno.test("setRunStrategyFromRunning() leaves both for the validator on CREATE, replaces on UPDATE", () => {
  const both = { running: true, runStrategy: "Manual" };
  assert.equal(setRunStrategyFromRunning(both), false);
  assert.deepEqual(both, { running: true, runStrategy: "Manual" });
  const patched = { running: false, runStrategy: "Always" };
  assert.equal(setRunStrategyFromRunning(patched, { runStrategy: "Always" }), true);
  assert.deepEqual(patched, { runStrategy: "Halted" });
  const stored = { running: false, runStrategy: "Always" };
  assert.equal(setRunStrategyFromRunning(stored, { running: true, runStrategy: "Always" }), false);
  assert.equal(setRunStrategyFromRunning({ running: "yes" }), false);
});

Deno.test("defaultVirtualMachine() warns about running and gives the template its namespace's and name's UUID", () => {
  const v = vm({ running: true });
  assert.deepEqual(defaultVirtualMachine(v, "ns"), [RUNNING_DEPRECATED_WARNING]);
  assert.equal(v.spec.runStrategy, "Always");
  // Python: uuid.uuid5(uuid.UUID("6a1a24a1-4061-4607-8bf4-a3963d0c5895"), "ns/testvmi")
  assert.equal(v.spec.template.spec.domain.firmware?.uuid, "c91c818a-d06e-534a-9d3f-18de3c5e21ab");
  assert.deepEqual(defaultVirtualMachine(vm({ runStrategy: "Manual" })), []);
});

Deno.test("addControllerFinalizer() adds the VM controller's finalizer once, after the user's", () => {
  const v = vm({ runStrategy: "Always" });
  v.metadata.finalizers = ["example.com/keep"];
  addControllerFinalizer(v);
  addControllerFinalizer(v);
  assert.deepEqual(v.metadata.finalizers, ["example.com/keep", VM_CONTROLLER_FINALIZER]);
});

Deno.test("defaultVirtualMachineInstance() gives a new UUID only to a VMI without one", () => {
  const vmi = { metadata: {}, spec: { domain: { devices: {} } } } as never as Parameters<
    typeof defaultVirtualMachineInstance
  >[0];
  defaultVirtualMachineInstance(vmi, () => "fresh");
  assert.equal(vmi.spec.domain.firmware?.uuid, "fresh");
  defaultVirtualMachineInstance(vmi, () => "other");
  assert.equal(vmi.spec.domain.firmware?.uuid, "fresh");
});

Deno.test("defaultReplicaSet() never gives the template a firmware UUID its replicas would share", () => {
  const rs = { spec: { template: { spec: { domain: { devices: {} } } } } } as never as Parameters<
    typeof defaultReplicaSet
  >[0];
  defaultReplicaSet(rs);
  assert.equal(rs.spec.template.spec.domain.firmware, undefined);
  assert.equal(rs.spec.template.spec.domain.machine?.type, "q35");
});
