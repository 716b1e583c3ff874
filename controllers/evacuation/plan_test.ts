import assert from "node:assert/strict";
import type { EvictionStrategy, VMI, VMIM } from "../../api/mod.ts";
import { NOW, vmiFixture } from "../vmi/testdata/fixtures.ts";
import { planEvacuation } from "./plan.ts";

function marked(strategy: EvictionStrategy | undefined, edit: (v: VMI) => void = () => {}): VMI {
  return vmiFixture("Running", (v) => {
    if (strategy) v.spec.evictionStrategy = strategy;
    v.status!.nodeName = "node-a";
    v.status!.evacuationNodeName = "node-a";
    v.status!.conditions = [{ type: "LiveMigratable", status: "True" }];
    edit(v);
  });
}

function migration(phase: string, created: string, failedAt?: string, evacuation = true): VMIM {
  return {
    apiVersion: "kubevirt.io/v1",
    kind: "VirtualMachineInstanceMigration",
    metadata: {
      name: `m-${created}`,
      namespace: "prod",
      creationTimestamp: created,
      ...(evacuation ? { annotations: { "kubevirt.io/evacuationMigration": "node-a" } } : {}),
    },
    spec: { vmiName: "web" },
    status: {
      phase: phase as "Failed",
      ...(failedAt
        ? { phaseTransitionTimestamps: [{ phase: "Failed", phaseTransitionTimestamp: failedAt }] }
        : {}),
    },
  };
}

const plan = (vmi: VMI, migrations: VMIM[] = [], cluster?: EvictionStrategy) =>
  planEvacuation({ vmi, migrations, clusterStrategy: cluster }, NOW);

Deno.test("planEvacuation() migrates a marked VMI off its node with KubeVirt's generateName", () => {
  const p = plan(marked("LiveMigrate"));
  assert.deepEqual(p.create, {
    apiVersion: "kubevirt.io/v1",
    kind: "VirtualMachineInstanceMigration",
    metadata: {
      generateName: "kubevirt-evacuation-",
      namespace: "prod",
      annotations: { "kubevirt.io/evacuationMigration": "node-a" },
    },
    spec: { vmiName: "web" },
  });
  assert.equal(p.clear, false);
  assert.ok(plan(marked(undefined), [], "LiveMigrate").create, "the cluster's default counts");
  assert.ok(plan(marked("LiveMigrateIfPossible")).create);
});

Deno.test("planEvacuation() leaves alone what must not or cannot migrate now", () => {
  const cases: Array<[string, VMI, VMIM[]]> = [
    ["not marked", marked("LiveMigrate", (v) => delete v.status!.evacuationNodeName), []],
    ["strategy None", marked("None"), []],
    ["strategy External", marked("External"), []],
    ["no strategy", marked(undefined), []],
    [
      "not migratable",
      marked(
        "LiveMigrate",
        (v) => v.status!.conditions = [{ type: "LiveMigratable", status: "False" }],
      ),
      [],
    ],
    ["migration active", marked("LiveMigrate"), [migration("Scheduling", "2026-01-01T00:00:00Z")]],
    ["VMI stopping", marked("LiveMigrate", (v) => v.metadata.deletionTimestamp = "x"), []],
  ];
  for (const [what, vmi, migrations] of cases) {
    const p = plan(vmi, migrations);
    assert.equal(p.create, undefined, what);
    assert.equal(p.clear, false, what);
  }
});

Deno.test("planEvacuation() clears the mark once the VMI runs on another node", () => {
  const moved = marked("LiveMigrate", (v) => v.status!.nodeName = "node-b");
  assert.deepEqual(plan(moved), { clear: true, create: undefined, requeueAfterMs: undefined });
});

Deno.test("planEvacuation() backs off 20 s after a failed evacuation, doubling per failure", () => {
  const one = [migration("Failed", "2026-01-01T00:00:00Z", "2026-01-01T00:00:50Z")];
  assert.deepEqual(plan(marked("LiveMigrate"), one).requeueAfterMs, 10_000);
  const two = [
    ...one,
    migration("Failed", "2025-12-31T23:59:00Z", "2025-12-31T23:59:30Z"),
  ];
  assert.deepEqual(plan(marked("LiveMigrate"), two).requeueAfterMs, 30_000);
  const afterSuccess = [...one, migration("Succeeded", "2025-12-31T23:59:00Z")];
  assert.equal(plan(marked("LiveMigrate"), afterSuccess).requeueAfterMs, 10_000);
  const long = [migration("Failed", "2026-01-01T00:00:00Z", "2026-01-01T00:00:10Z")];
  assert.ok(plan(marked("LiveMigrate"), long).create, "the backoff is over");
  const manual = [migration("Failed", "2026-01-01T00:00:00Z", "2026-01-01T00:00:50Z", false)];
  assert.ok(plan(marked("LiveMigrate"), manual).create, "only evacuations back off");
});
