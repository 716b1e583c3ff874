import assert from "node:assert/strict";
import type { VM } from "../../api/objects.ts";
import type { VirtualMachinePool } from "../../api/pool.ts";
import { planPool, poolStatusOf } from "./plan.ts";
import { indexOf, vmFor } from "./vm_for.ts";

const NOW = Date.parse("2026-01-01T00:00:00Z");

function pool(edit: (p: VirtualMachinePool) => void = () => {}): VirtualMachinePool {
  const p: VirtualMachinePool = {
    apiVersion: "pool.kubevirt.io/v1alpha1",
    kind: "VirtualMachinePool",
    metadata: { name: "web", namespace: "ns", uid: "pool-uid" },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: "web" } },
      virtualMachineTemplate: {
        metadata: { labels: { app: "web" } },
        spec: {
          runStrategy: "Always",
          dataVolumeTemplates: [{
            metadata: { name: "root" },
            spec: {
              source: { blank: {} },
              storage: { resources: { requests: { storage: "1Gi" } } },
            },
          }],
          template: {
            spec: {
              domain: { devices: {} },
              volumes: [
                { name: "root", dataVolume: { name: "root" } },
                { name: "scratch", emptyDisk: { capacity: "1Gi" } },
              ],
            },
          },
        },
      },
    },
  };
  edit(p);
  return p;
}

/** The pool's VM at `index`, as the API server stores it. */
function vmAt(index: number, edit: (vm: VM) => void = () => {}): VM {
  const vm = vmFor(pool(), index);
  vm.metadata.uid = `vm-${index}`;
  edit(vm);
  return vm;
}

const names = (vms: VM[]) => vms.map((vm) => vm.metadata.name);

Deno.test("vmFor() names the VM <pool>-<index>, owned by the pool, with indexed DataVolumes", () => {
  const vm = vmFor(pool(), 2);
  assert.equal(vm.metadata.name, "web-2");
  assert.equal(vm.metadata.namespace, "ns");
  assert.deepEqual(vm.metadata.labels, { app: "web" });
  assert.deepEqual(vm.metadata.ownerReferences, [{
    apiVersion: "pool.kubevirt.io/v1alpha1",
    kind: "VirtualMachinePool",
    name: "web",
    uid: "pool-uid",
    controller: true,
    blockOwnerDeletion: true,
  }]);
  assert.equal(vm.spec.dataVolumeTemplates?.[0]?.metadata?.name, "root-2");
  assert.deepEqual(vm.spec.template.spec.volumes?.[0], {
    name: "root",
    dataVolume: { name: "root-2" },
  });
  assert.equal(
    pool().spec.virtualMachineTemplate.spec.dataVolumeTemplates?.[0]?.metadata?.name,
    "root",
  );
});

Deno.test("indexOf() reads the index of the pool's VM names only", () => {
  const p = pool();
  assert.equal(indexOf(p, vmAt(12)), 12);
  for (const name of ["web", "web-", "web-01", "web-x", "webby-1", "other-1"]) {
    assert.equal(indexOf(p, vmAt(0, (vm) => (vm.metadata.name = name))), undefined, name);
  }
});

Deno.test("planPool() fills the lowest free indexes, skipping names other VMs hold", () => {
  const foreign = vmAt(1, (vm) => (vm.metadata.ownerReferences = []));
  const plan = planPool({ pool: pool(), vms: [vmAt(0), foreign] });
  assert.deepEqual(names(plan.active), ["web-0"]);
  assert.deepEqual(names(plan.create), ["web-2", "web-3"]);
  assert.deepEqual(plan.delete, []);
});

Deno.test("planPool() scales down from the highest index, and not while paused", () => {
  const vms = [vmAt(0), vmAt(3), vmAt(1), vmAt(2)];
  const one = planPool({ pool: pool((p) => (p.spec.replicas = 1)), vms });
  assert.deepEqual(names(one.delete), ["web-3", "web-2", "web-1"]);
  assert.deepEqual(one.create, []);
  const paused = planPool({
    pool: pool((p) => {
      p.spec.replicas = 1;
      p.spec.paused = true;
    }),
    vms,
  });
  assert.deepEqual([paused.create, paused.delete], [[], []]);
});

Deno.test("planPool() does not count VMs being deleted, nor replace them under their name", () => {
  const going = vmAt(1, (vm) => (vm.metadata.deletionTimestamp = "2026-01-01T00:00:00Z"));
  const plan = planPool({ pool: pool(), vms: [vmAt(0), going] });
  assert.deepEqual(names(plan.active), ["web-0"]);
  assert.deepEqual(names(plan.create), ["web-2", "web-3"]);
});

Deno.test("planPool() defaults replicas to 1", () => {
  const plan = planPool({ pool: pool((p) => delete p.spec.replicas), vms: [] });
  assert.deepEqual(names(plan.create), ["web-0"]);
});

Deno.test("poolStatusOf() counts the active and ready VMs and gives the scale selector", () => {
  const ready = vmAt(0, (vm) => (vm.status = { ready: true }));
  const status = poolStatusOf(pool(), [ready, vmAt(1)], undefined, NOW);
  assert.deepEqual(status, {
    replicas: 2,
    readyReplicas: 1,
    labelSelector: "app=web",
    conditions: [],
  });
  const paused = poolStatusOf(pool((p) => (p.spec.paused = true)), [], {
    reason: "FailedCreate",
    message: "Error creating VM web-0: quota",
  }, NOW);
  assert.deepEqual(paused.conditions.map((c) => [c.type, c.status, c.reason]), [
    ["ReplicaPaused", "True", "Paused"],
    ["ReplicaFailure", "True", "FailedCreate"],
  ]);
});
