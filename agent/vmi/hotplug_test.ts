import assert from "node:assert/strict";
import type { VMI } from "../../api/mod.ts";
import type { DomainDisk, LiveDomainFacts } from "../libvirt/xml_read.ts";
import { hotplugActions, mayHotplug } from "./hotplug.ts";
import { plan } from "./plan.ts";
import { AGENT_FINALIZER } from "../../api/mod.ts";

const root = { name: "root", containerDisk: { image: "example/disk" } };
const data = { name: "data", dataVolume: { name: "blank", hotpluggable: true } };
const claim = { name: "claim", persistentVolumeClaim: { claimName: "c1", hotpluggable: true } };
const permanent = { name: "perm", persistentVolumeClaim: { claimName: "p1" } };

function vmiWith(volumes: object[], extra: Partial<VMI["status"]> = {}): VMI {
  return {
    metadata: {
      namespace: "ns",
      name: "vm",
      uid: "u1",
      finalizers: [AGENT_FINALIZER],
    },
    spec: {
      domain: {
        devices: {
          disks: volumes.map((v) => ({
            name: (v as { name: string }).name,
            disk: { bus: "scsi" },
          })),
        },
      },
      volumes,
    },
    status: { phase: "Running", nodeName: "node-a", ...extra },
  } as unknown as VMI;
}

const disk = (name: string, target: string, file = `/d/${name}`): DomainDisk => ({
  name,
  target,
  files: [file],
  device: "file",
});
const live = (...disks: DomainDisk[]): LiveDomainFacts => ({
  interfaces: [],
  disks,
  machine: "q35",
});

Deno.test("hotplugActions() attaches hotpluggable volumes the domain lacks, detaches disks gone from the spec", () => {
  const cases: [string, VMI, LiveDomainFacts | undefined, unknown[]][] = [
    ["in step", vmiWith([root, data]), live(disk("root", "vda"), disk("data", "sda")), []],
    ["no live facts", vmiWith([root, data]), undefined, []],
    ["a new DataVolume", vmiWith([root, data]), live(disk("root", "vda")), [
      { type: "attachDisk", name: "data" },
    ]],
    ["a new PVC, and one more", vmiWith([root, claim, data]), live(disk("root", "vda")), [
      { type: "attachDisk", name: "claim" },
      { type: "attachDisk", name: "data" },
    ]],
    [
      "a permanent volume is never hot-attached",
      vmiWith([root, permanent]),
      live(disk("root", "vda")),
      [],
    ],
    [
      "a removed volume",
      vmiWith([root]),
      live(disk("root", "vda"), disk("data", "sdb", "/x.img")),
      [
        { type: "detachDisk", name: "data", target: "sdb", source: "/x.img", device: "file" },
      ],
    ],
    [
      "a disk denovirt did not name stays",
      vmiWith([root]),
      live(disk("root", "vda"), { name: undefined, target: "sdc", files: [] }),
      [],
    ],
  ];
  for (const [what, vmi, facts, expected] of cases) {
    assert.deepEqual(hotplugActions(vmi, facts), expected, what);
  }
});

Deno.test("mayHotplug() waits for Running and for a migration to end", () => {
  assert.equal(mayHotplug(vmiWith([root])), true);
  assert.equal(mayHotplug(vmiWith([root], { phase: "Scheduled" })), false);
  assert.equal(mayHotplug(vmiWith([root], { migrationState: { migrationUid: "m" } })), false);
  assert.equal(
    mayHotplug(vmiWith([root], { migrationState: { migrationUid: "m", completed: true } })),
    true,
  );
});

Deno.test("plan() attaches a hotplugged volume to a running domain and looks again soon", () => {
  const vmi = vmiWith([root, data]);
  const p = plan({
    key: "ns/vm",
    node: "node-a",
    kvm: false,
    now: "2026-01-01T00:01:00Z",
    vmi,
    domain: {
      name: "ns_vm",
      uuid: "dddddddd-0000-0000-0000-000000000000",
      state: "running",
      reason: "booted",
      owner: { uid: "u1", node: "node-a" },
      live: live(disk("root", "vda")),
    },
    launcherPod: {
      metadata: { namespace: "ns", name: "virt-launcher-vm-x", uid: "p" },
      spec: { nodeName: "node-a", containers: [{ name: "compute" }] },
      status: { phase: "Running" },
    },
  });
  const attach = p.actions.findIndex((a) => a.type === "attachDisk");
  assert.ok(attach >= 0, JSON.stringify(p.actions.map((a) => a.type)));
  const status = p.actions.find((a) => a.type === "writeStatus");
  assert.ok(status && status.type === "writeStatus");
  assert.deepEqual(status.status.volumeStatus?.find((v) => v.name === "data")?.phase, "Pending");
  assert.equal(p.requeueAfterMs, 1_000);
});
