import assert from "node:assert/strict";
import { StatusError } from "../lib/http/status.ts";
import type { VmiLike, VmLike } from "./lifecycle.ts";
import {
  addVolumeCallOf,
  removeVolumeCallOf,
  verifyVolumeRequest,
  vmiVolumePlan,
  vmVolumePlan,
} from "./volumes.ts";

const ADD = JSON.stringify({
  name: "data",
  disk: { disk: { bus: "scsi" } },
  volumeSource: { dataVolume: { name: "blank" } },
});

function statusOf(fn: () => unknown): { code: number; message: string } {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof StatusError, String(error));
    return { code: error.status.code, message: error.status.message ?? "" };
  }
  assert.fail("expected a StatusError");
}

Deno.test("addVolumeCallOf() reads AddVolumeOptions, names the disk and marks the source hotpluggable", () => {
  const call = addVolumeCallOf(ADD);
  assert.deepEqual(call, {
    dryRun: false,
    request: {
      addVolumeOptions: {
        name: "data",
        disk: { name: "data", disk: { bus: "scsi" } },
        volumeSource: { dataVolume: { name: "blank", hotpluggable: true } },
      },
    },
  });
  const dry = addVolumeCallOf(JSON.stringify({ ...JSON.parse(ADD), dryRun: ["All"] }));
  assert.equal(dry.dryRun, true);
});

Deno.test("addVolumeCallOf() and removeVolumeCallOf() answer virt-api's 400s", () => {
  const cases: [() => unknown, RegExp][] = [
    [() => addVolumeCallOf(""), /Request with no body/],
    [() => addVolumeCallOf("{"), /Can not unmarshal Request body to struct/],
    [() => addVolumeCallOf("{}"), /AddVolumeOptions requires name to be set/],
    [() => addVolumeCallOf('{"name":"a"}'), /AddVolumeOptions requires disk to not be nil/],
    [
      () => addVolumeCallOf('{"name":"a","disk":{}}'),
      /AddVolumeOptions requires VolumeSource to not be nil/,
    ],
    [
      () => addVolumeCallOf('{"name":"a","disk":{},"volumeSource":{}}'),
      /one of dataVolume or persistentVolumeClaim/,
    ],
    [() => removeVolumeCallOf("{}"), /RemoveVolumeOptions requires name to be set/],
  ];
  for (const [fn, message] of cases) {
    const status = statusOf(fn);
    assert.equal(status.code, 400);
    assert.match(status.message, message);
  }
});

Deno.test("verifyVolumeRequest() refuses taken names and sources, and removing permanent volumes", () => {
  const volumes = [
    { name: "root", containerDisk: { image: "x" } },
    { name: "old", dataVolume: { name: "dv-old" } },
    { name: "hot", persistentVolumeClaim: { claimName: "pvc-hot", hotpluggable: true } },
  ];
  const add = (name: string, dv: string) => ({
    addVolumeOptions: {
      name,
      disk: { name },
      volumeSource: { dataVolume: { name: dv, hotpluggable: true } },
    },
  });
  const remove = (name: string) => ({ removeVolumeOptions: { name } });
  const cases: [object, string | undefined][] = [
    [add("new", "dv-new"), undefined],
    [
      add("old", "dv-new"),
      "Unable to add volume [old] because volume with that name already exists",
    ],
    [add("new", "dv-old"), "Unable to add volume source [dv-old] because it already exists"],
    [remove("hot"), undefined],
    [remove("old"), "Unable to remove volume [old] because it is not hotpluggable"],
    [remove("gone"), "Unable to remove volume [gone] because it does not exist"],
  ];
  for (const [request, expected] of cases) {
    assert.equal(verifyVolumeRequest(volumes, request), expected, JSON.stringify(request));
  }
});

const runningVmi = (): VmiLike => ({
  metadata: { name: "web" },
  spec: {
    domain: { devices: { disks: [{ name: "root" }] } },
    volumes: [{ name: "root", containerDisk: { image: "x" } }],
  } as unknown as VmiLike["spec"],
  status: { phase: "Running" },
});

Deno.test("vmiVolumePlan() patches the VMI's volumes and disks with tests of the current ones", () => {
  const [step] = vmiVolumePlan(runningVmi(), addVolumeCallOf(ADD).request);
  assert.equal(step?.target, "vmi");
  assert.deepEqual(step?.patch.map((op) => [op.op, op.path]), [
    ["test", "/spec/volumes"],
    ["test", "/spec/domain/devices/disks"],
    ["replace", "/spec/volumes"],
    ["replace", "/spec/domain/devices/disks"],
  ]);
  assert.deepEqual((step?.patch[2]?.value as unknown[])[1], {
    name: "data",
    dataVolume: { name: "blank", hotpluggable: true },
  });
});

Deno.test("vmiVolumePlan() answers 409 for a VMI that does not run or a request that does not fit", () => {
  const pending = { ...runningVmi(), status: { phase: "Scheduled" } };
  const notRunning = statusOf(() => vmiVolumePlan(pending, addVolumeCallOf(ADD).request));
  assert.equal(notRunning.code, 409);
  assert.match(notRunning.message, /virtualmachineinstance.kubevirt.io "web": VMI is not running/);
  const permanent = statusOf(() =>
    vmiVolumePlan(runningVmi(), { removeVolumeOptions: { name: "root" } })
  );
  assert.equal(permanent.code, 409);
  assert.match(permanent.message, /because it is not hotpluggable/);
});

const vm = (status?: VmLike["status"]): VmLike => ({
  metadata: { name: "web" },
  spec: {
    template: {
      spec: { domain: { devices: {} }, volumes: [{ name: "root", containerDisk: { image: "x" } }] },
    },
  },
  ...(status ? { status } : {}),
});

Deno.test("vmVolumePlan() queues the request in status.volumeRequests", () => {
  const request = addVolumeCallOf(ADD).request;
  assert.deepEqual(vmVolumePlan(vm(), request), [{
    target: "vm-status",
    patch: [{ op: "add", path: "/status", value: { volumeRequests: [request] } }],
  }]);
  assert.deepEqual(vmVolumePlan(vm({ ready: true }), request)[0]?.patch, [
    { op: "test", path: "/status/volumeRequests", value: null },
    { op: "add", path: "/status/volumeRequests", value: [request] },
  ]);
});

Deno.test("vmVolumePlan() lets a remove cancel a pending add and refuses duplicates", () => {
  const add = addVolumeCallOf(ADD).request;
  const remove = removeVolumeCallOf('{"name":"data"}').request;
  const other = { removeVolumeOptions: { name: "other" } };
  const withData = vm({ volumeRequests: [other, add] });
  const template = withData.spec!.template!.spec as { volumes: object[] };
  template.volumes.push({ name: "data", dataVolume: { name: "blank", hotpluggable: true } });
  const steps = vmVolumePlan(withData, remove);
  assert.deepEqual(steps[0]?.patch[1], {
    op: "replace",
    path: "/status/volumeRequests",
    value: [other, remove],
  });
  const twice = statusOf(() => vmVolumePlan(vm({ volumeRequests: [add] }), add));
  assert.equal(twice.code, 409);
  assert.match(twice.message, /add volume request for volume \[data\] already exists/);
  const afterRemove = statusOf(() => vmVolumePlan(vm({ volumeRequests: [remove] }), add));
  assert.match(afterRemove.message, /a remove volume request for volume \[data\] already exists/);
});

Deno.test("vmVolumePlan() refuses a disk that cannot be hotplugged with 400 naming the field", () => {
  const sata = JSON.stringify({ ...JSON.parse(ADD), disk: { disk: { bus: "sata" } } });
  const status = statusOf(() => vmVolumePlan(vm(), addVolumeCallOf(sata).request));
  assert.equal(status.code, 400);
  assert.equal(
    status.message,
    'disk.disk.bus: hotplugged Disk data does not use a "scsi" bus',
  );
});

Deno.test("vmiVolumePlan() and vmVolumePlan() refuse an add to a domain with disableHotplug, 400", () => {
  const vmi = runningVmi();
  (vmi.spec as { domain: { devices: Record<string, unknown> } }).domain.devices.disableHotplug =
    true;
  const request = addVolumeCallOf(ADD).request;
  const refused = statusOf(() => vmiVolumePlan(vmi, request));
  assert.equal(refused.code, 400);
  assert.match(refused.message, /hotplug is disabled: spec.domain.devices.disableHotplug is true/);
  const machine = vm();
  (machine.spec!.template!.spec as { domain: { devices: Record<string, unknown> } }).domain
    .devices.disableHotplug = true;
  assert.equal(statusOf(() => vmVolumePlan(machine, request)).code, 400);
});
