import assert from "node:assert/strict";
import { expandedVmi, InstancetypeConflictError } from "./instancetype_vmi.ts";
import { vmiFor } from "./vmi_for.ts";
import { vmFixture } from "./testdata/fixtures.ts";
import type { VM } from "../../api/objects.ts";

/** The fixture VM with its CPU, memory and node selector left to an instance type. */
const sized = (edit: (vm: VM) => void = () => {}) =>
  vmFixture((vm) => {
    const spec = vm.spec.template.spec;
    delete spec.domain.cpu;
    delete spec.domain.resources;
    delete spec.nodeSelector;
    vm.spec.instancetype = { name: "u1.small" };
    vm.spec.preference = { kind: "VirtualMachinePreference", name: "fedora" };
    edit(vm);
  });
const specs = {
  instancetype: { cpu: { guest: 2 }, memory: { guest: "2Gi" } },
  preference: { devices: { preferredInterfaceModel: "e1000e" as const } },
};

Deno.test("expandedVmi() gives the VMI the instance type's CPUs and memory and names both", () => {
  const vm = sized();
  const vmi = expandedVmi(vm, vmiFor(vm), specs);
  assert.deepEqual(vmi.spec.domain.cpu, { sockets: 2, cores: 1, threads: 1 });
  assert.deepEqual(vmi.spec.domain.memory, { guest: "2Gi" });
  assert.equal(vmi.metadata.annotations?.["kubevirt.io/cluster-instancetype-name"], "u1.small");
  assert.equal(vmi.metadata.annotations?.["kubevirt.io/preference-name"], "fedora");
  assert.equal(vmi.metadata.annotations?.note, "from the template");
});

Deno.test("expandedVmi() leaves a VM without instance type or preference as vmiFor() made it", () => {
  const vm = vmFixture();
  const vmi = vmiFor(vm);
  assert.equal(expandedVmi(vm, vmi, {}), vmi);
});

Deno.test("expandedVmi() throws naming the template fields that conflict", () => {
  const vm = sized((vm) => (vm.spec.template.spec.domain.cpu = { cores: 2 }));
  assert.throws(
    () => expandedVmi(vm, vmiFor(vm), specs),
    (error: unknown) =>
      error instanceof InstancetypeConflictError &&
      error.message ===
        "VM field(s) spec.template.spec.domain.cpu.cores conflicts with selected instance type",
  );
});
