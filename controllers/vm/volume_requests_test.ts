import assert from "node:assert/strict";
import type { VolumeRequest } from "../../api/mod.ts";
import { vmFixture, vmiInPhase } from "./testdata/fixtures.ts";
import { pendingVolumeRequests, volumeRequestPlan } from "./volume_requests.ts";

const add: VolumeRequest = {
  addVolumeOptions: {
    name: "data",
    disk: { name: "data", disk: { bus: "scsi" } },
    volumeSource: { dataVolume: { name: "blank", hotpluggable: true } },
  },
};
const remove: VolumeRequest = { removeVolumeOptions: { name: "data" } };
const hotVolume = { name: "data", dataVolume: { name: "blank", hotpluggable: true } };

Deno.test("volumeRequestPlan() applies a queued add to the template and to a running VMI", () => {
  const vm = vmFixture((vm) => (vm.status!.volumeRequests = [add]));
  const plan = volumeRequestPlan(vm, vmiInPhase("Running"));
  assert.deepEqual(plan.template?.volumes?.at(-1), hotVolume);
  assert.deepEqual(plan.vmi?.volumes?.at(-1), hotVolume);
  assert.deepEqual(plan.vmi?.domain.devices.disks?.at(-1), add.addVolumeOptions!.disk);
});

Deno.test("volumeRequestPlan() leaves a VMI that does not run, and changes nothing without requests", () => {
  const vm = vmFixture((vm) => (vm.status!.volumeRequests = [add]));
  for (const vmi of [undefined, vmiInPhase("Scheduled"), vmiInPhase("Succeeded")]) {
    const plan = volumeRequestPlan(vm, vmi);
    assert.ok(plan.template, "the template changes anyway");
    assert.equal(plan.vmi, undefined, vmi?.status?.phase);
  }
  assert.deepEqual(volumeRequestPlan(vmFixture(), vmiInPhase("Running")), {});
});

Deno.test("volumeRequestPlan() removes a hotplugged volume from the template and the VMI", () => {
  const vm = vmFixture((vm) => {
    vm.spec.template.spec!.volumes!.push(hotVolume);
    vm.spec.template.spec!.domain.devices.disks!.push(add.addVolumeOptions!.disk);
    vm.status!.volumeRequests = [remove];
  });
  const vmi = vmiInPhase("Running", (vmi) => {
    vmi.spec.volumes!.push(hotVolume);
    vmi.spec.domain.devices.disks!.push(add.addVolumeOptions!.disk);
  });
  const plan = volumeRequestPlan(vm, vmi);
  assert.ok(plan.template && !plan.template.volumes?.some((v) => v.name === "data"));
  assert.ok(plan.vmi && !plan.vmi.domain.devices.disks?.some((d) => d.name === "data"));
});

Deno.test("pendingVolumeRequests() drops the requests the template shows done", () => {
  const queued = vmFixture((vm) => (vm.status!.volumeRequests = [add, remove]));
  assert.deepEqual(pendingVolumeRequests(queued), [add]);
  const added = vmFixture((vm) => {
    vm.spec.template.spec!.volumes!.push(hotVolume);
    vm.spec.template.spec!.domain.devices.disks!.push(add.addVolumeOptions!.disk);
    vm.status!.volumeRequests = [add, remove];
  });
  assert.deepEqual(pendingVolumeRequests(added), [remove]);
});
