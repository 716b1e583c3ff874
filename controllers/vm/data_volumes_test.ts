import assert from "node:assert/strict";
import type { DataVolumeSpec, VM } from "../../api/mod.ts";
import type { DataVolumeObject, VolumeView } from "../volumes.ts";
import { dataVolumeFor, dataVolumeKeysOf, vmDataVolumesOf } from "./data_volumes.ts";
import { vmFixture } from "./testdata/fixtures.ts";

const VM_UID = "0b6d3b6e-6f0e-4c34-9a59-2a3c7f0e1a01";
const SPEC: DataVolumeSpec = {
  source: { http: { url: "https://images.example.org/disk.img" } },
  storage: { resources: { requests: { storage: "1Gi" } } },
};

/** The fixture VM with templates `root` (used by a volume) and `scratch` (used by none). */
const vmWithTemplates = (edit: (vm: VM) => void = () => {}) =>
  vmFixture((vm) => {
    vm.spec.dataVolumeTemplates = [
      { metadata: { name: "root", labels: { os: "cirros" }, annotations: { a: "b" } }, spec: SPEC },
      { metadata: { name: "scratch" }, spec: { ...SPEC, source: { blank: {} } } },
    ];
    vm.spec.template.spec.volumes = [
      { name: "rootdisk", dataVolume: { name: "root" } },
      { name: "shared", dataVolume: { name: "shared" } },
    ];
    edit(vm);
  });

/** DataVolumes by name, each `phase` (owner: "vm" the fixture VM, "other" another VM). */
function view(
  dvs: Record<string, { phase?: string; owner?: "vm" | "other" | "none" }>,
): VolumeView {
  return {
    claim: () => undefined,
    dataVolume: (name) => {
      const d = dvs[name];
      if (!d) return undefined;
      const uid = d.owner === "other" ? "another-vm" : VM_UID;
      const dv: DataVolumeObject = {
        metadata: {
          name,
          ...(d.owner === "none" ? {} : {
            ownerReferences: [{
              apiVersion: "kubevirt.io/v1",
              kind: "VirtualMachine",
              name: "x",
              uid,
              controller: true,
            }],
          }),
        },
        ...(d.phase ? { status: { phase: d.phase } } : {}),
      };
      return dv;
    },
  };
}

/** "create: ... | waiting: ... | failed: ... | foreign: ..." of the VM with templates. */
function summary(v: VolumeView): string {
  const d = vmDataVolumesOf(vmWithTemplates(), v);
  return `create: ${d.create.map((dv) => dv.metadata.name)} | waiting: ${d.waiting} | ` +
    `failed: ${d.failed} | foreign: ${d.foreign}`;
}

Deno.test("vmDataVolumesOf() creates missing templates and holds the start until all can be used", () => {
  const cases: Array<[string, VolumeView, string]> = [
    [
      "nothing exists yet",
      view({}),
      "create: root,scratch | waiting: root,scratch | failed:  | foreign: ",
    ],
    [
      "all Succeeded; a volume's own DataVolume too",
      view({
        root: { phase: "Succeeded" },
        scratch: { phase: "Succeeded" },
        shared: { phase: "Succeeded", owner: "none" },
      }),
      "create:  | waiting:  | failed:  | foreign: ",
    ],
    [
      "WaitForFirstConsumer and PendingPopulation can start (the launcher pod consumes them)",
      view({ root: { phase: "WaitForFirstConsumer" }, scratch: { phase: "PendingPopulation" } }),
      "create:  | waiting:  | failed:  | foreign: ",
    ],
    [
      "importing, pending, or without status yet",
      view({
        root: { phase: "ImportInProgress" },
        scratch: {},
        shared: { phase: "Pending", owner: "none" },
      }),
      "create:  | waiting: root,scratch,shared | failed:  | foreign: ",
    ],
    [
      "failed",
      view({ root: { phase: "Failed" }, scratch: { phase: "Succeeded" } }),
      "create:  | waiting:  | failed: root | foreign: ",
    ],
    [
      "a template's name held by another VM's DataVolume",
      view({ root: { phase: "Succeeded", owner: "other" }, scratch: { phase: "Succeeded" } }),
      "create:  | waiting:  | failed:  | foreign: root",
    ],
    [
      "an uncontrolled DataVolume of a template's name is used as it is",
      view({ root: { phase: "Succeeded", owner: "none" }, scratch: { phase: "Succeeded" } }),
      "create:  | waiting:  | failed:  | foreign: ",
    ],
  ];
  for (const [what, v, want] of cases) assert.equal(summary(v), want, what);
});

Deno.test("vmDataVolumesOf() creates the DataVolumes of a halted VM too, none for a deleted one", () => {
  const halted = vmWithTemplates((vm) => vm.spec.runStrategy = "Halted");
  assert.equal(vmDataVolumesOf(halted, view({})).create.length, 2);
  const deleting = vmWithTemplates((vm) => vm.metadata.deletionTimestamp = "2026-01-01T00:00:00Z");
  assert.deepEqual(vmDataVolumesOf(deleting, view({})).create, []);
});

Deno.test("dataVolumeFor() makes a template's DataVolume, controlled by the VM", () => {
  const vm = vmWithTemplates();
  assert.deepEqual(dataVolumeFor(vm, vm.spec.dataVolumeTemplates![0]!), {
    apiVersion: "cdi.kubevirt.io/v1beta1",
    kind: "DataVolume",
    metadata: {
      name: "root",
      namespace: "default",
      labels: { os: "cirros" },
      annotations: { a: "b" },
      ownerReferences: [{
        apiVersion: "kubevirt.io/v1",
        kind: "VirtualMachine",
        name: "testvm",
        uid: VM_UID,
        controller: true,
        blockOwnerDeletion: true,
      }],
    },
    spec: SPEC,
  });
});

Deno.test("dataVolumeKeysOf() names the templates and the volumes' DataVolumes once each", () => {
  assert.deepEqual(dataVolumeKeysOf(vmWithTemplates()), [
    "default/root",
    "default/scratch",
    "default/shared",
  ]);
  assert.deepEqual(dataVolumeKeysOf(vmFixture()), []);
  assert.deepEqual(dataVolumeKeysOf({ metadata: {}, spec: {} } as VM), [], "a malformed VM");
});
