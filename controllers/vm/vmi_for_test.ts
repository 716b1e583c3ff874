import assert from "node:assert/strict";
import { firmwareUuidFor } from "../../api/firmware_uuid.ts";
import { vmiFor } from "./vmi_for.ts";
import { vmFixture } from "./testdata/fixtures.ts";

Deno.test("vmiFor() names the VMI after the VM, owned by it with controller and blockOwnerDeletion", () => {
  const vmi = vmiFor(vmFixture());
  assert.equal(vmi.metadata.name, "testvm");
  assert.equal(vmi.metadata.namespace, "default");
  assert.deepEqual(vmi.metadata.ownerReferences, [{
    apiVersion: "kubevirt.io/v1",
    kind: "VirtualMachine",
    name: "testvm",
    uid: "0b6d3b6e-6f0e-4c34-9a59-2a3c7f0e1a01",
    controller: true,
    blockOwnerDeletion: true,
  }]);
  assert.deepEqual(vmi.metadata.finalizers, [
    "kubevirt.io/virtualMachineControllerFinalize",
    "foregroundDeleteVirtualMachine",
  ]);
});

Deno.test("vmiFor() copies the template's labels, annotations and spec, and records the generation", () => {
  const vm = vmFixture();
  const vmi = vmiFor(vm);
  // Only the template's labels: KubeVirt adds none of its own (no kubevirt.io/vm label).
  assert.deepEqual(vmi.metadata.labels, { app: "web", "kubevirt.io/size": "small" });
  assert.deepEqual(vmi.metadata.annotations, {
    note: "from the template",
    "kubevirt.io/vm-generation": "3",
  });
  assert.deepEqual(vmi.spec.nodeSelector, { disk: "ssd" });
  assert.equal(vmi.spec.terminationGracePeriodSeconds, 60);
  vmi.spec.nodeSelector!.disk = "hdd";
  assert.equal(vm.spec.template.spec.nodeSelector!.disk, "ssd", "the template is not shared");
});

Deno.test("vmiFor() gives a template without firmware UUID a name-based one of its namespace and name", () => {
  // Python: uuid.uuid5(uuid.UUID("6a1a24a1-4061-4607-8bf4-a3963d0c5895"), "default/testvm")
  assert.equal(firmwareUuidFor("default", "testvm"), "0fc8259f-99ae-5e7d-aa02-3a2f862dbebb");
  assert.equal(
    vmiFor(vmFixture()).spec.domain.firmware?.uuid,
    firmwareUuidFor("default", "testvm"),
  );
  const given = vmFixture((vm) =>
    vm.spec.template.spec.domain.firmware = { uuid: "11111111-2222-3333-4444-555555555555" }
  );
  assert.equal(vmiFor(given).spec.domain.firmware?.uuid, "11111111-2222-3333-4444-555555555555");
});

Deno.test("vmiFor() starts paused on a paused start request", () => {
  const vm = vmFixture((vm) =>
    vm.status!.stateChangeRequests = [{ action: "Start", data: { paused: "true" } }]
  );
  assert.equal(vmiFor(vm).spec.startStrategy, "Paused");
  assert.equal(vmiFor(vmFixture()).spec.startStrategy, undefined);
});
