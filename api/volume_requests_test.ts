import assert from "node:assert/strict";
import type { VirtualMachineInstanceSpec } from "./vmi_spec.ts";
import {
  isHotpluggable,
  isVolumeRequestDone,
  type VolumeRequest,
  volumesPatchOf,
  withVolumeRequest,
} from "./volume_requests.ts";

const base = (): VirtualMachineInstanceSpec => ({
  domain: { devices: { disks: [{ name: "root", disk: { bus: "virtio" } }] } },
  volumes: [{ name: "root", containerDisk: { image: "example/disk" } }],
});

const addDv: VolumeRequest = {
  addVolumeOptions: {
    name: "data",
    disk: { name: "ignored", disk: { bus: "scsi" }, serial: "d1" },
    volumeSource: { dataVolume: { name: "blank-dv" } },
  },
};
const addPvc: VolumeRequest = {
  addVolumeOptions: {
    name: "claim",
    disk: { name: "claim", disk: { bus: "virtio" } },
    volumeSource: { persistentVolumeClaim: { claimName: "pvc-1", readOnly: true } },
  },
};

Deno.test("withVolumeRequest() appends a hotpluggable DataVolume and its disk named after the volume", () => {
  const spec = withVolumeRequest(base(), addDv);
  assert.deepEqual(spec.volumes?.[1], {
    name: "data",
    dataVolume: { name: "blank-dv", hotpluggable: true },
  });
  assert.deepEqual(spec.domain.devices.disks?.[1], {
    name: "data",
    disk: { bus: "scsi" },
    serial: "d1",
  });
});

Deno.test("withVolumeRequest() keeps a PVC's fields and marks it hotpluggable", () => {
  const spec = withVolumeRequest(base(), addPvc);
  assert.deepEqual(spec.volumes?.[1], {
    name: "claim",
    persistentVolumeClaim: { claimName: "pvc-1", readOnly: true, hotpluggable: true },
  });
  assert.ok(isHotpluggable(spec.volumes![1]!));
  assert.ok(!isHotpluggable(spec.volumes![0]!));
});

Deno.test("withVolumeRequest() leaves the spec alone when the volume name exists", () => {
  const once = withVolumeRequest(base(), addDv);
  assert.deepEqual(withVolumeRequest(once, addDv), once);
});

Deno.test("withVolumeRequest() removes the volume and its disk, and nothing else", () => {
  const added = withVolumeRequest(base(), addDv);
  const removed = withVolumeRequest(added, { removeVolumeOptions: { name: "data" } });
  assert.deepEqual(removed, base());
});

Deno.test("withVolumeRequest() does not change the spec it is given", () => {
  const spec = base();
  withVolumeRequest(spec, addDv);
  assert.deepEqual(spec, base());
});

Deno.test("isVolumeRequestDone() tells added and removed volumes apart", () => {
  const added = withVolumeRequest(base(), addDv);
  const remove: VolumeRequest = { removeVolumeOptions: { name: "data" } };
  const cases: [VirtualMachineInstanceSpec, VolumeRequest, boolean][] = [
    [base(), addDv, false],
    [added, addDv, true],
    [added, remove, false],
    [base(), remove, true],
  ];
  for (const [spec, request, done] of cases) {
    assert.equal(isVolumeRequestDone(spec, request), done, JSON.stringify(request));
  }
});

Deno.test("volumesPatchOf() tests the current lists and replaces or adds them", () => {
  const next = withVolumeRequest(base(), addDv);
  assert.deepEqual(volumesPatchOf(base(), next), [
    { op: "test", path: "/spec/volumes", value: base().volumes },
    { op: "test", path: "/spec/domain/devices/disks", value: base().domain.devices.disks },
    { op: "replace", path: "/spec/volumes", value: next.volumes },
    { op: "replace", path: "/spec/domain/devices/disks", value: next.domain.devices.disks },
  ]);
  const empty: VirtualMachineInstanceSpec = { domain: { devices: {} } };
  const ops = volumesPatchOf(empty, withVolumeRequest(empty, addDv), "/spec/template/spec");
  assert.deepEqual(ops.map((o) => [o.op, o.path, o.op === "test" ? o.value : undefined]), [
    ["test", "/spec/template/spec/volumes", null],
    ["test", "/spec/template/spec/domain/devices/disks", null],
    ["add", "/spec/template/spec/volumes", undefined],
    ["add", "/spec/template/spec/domain/devices/disks", undefined],
  ]);
});
