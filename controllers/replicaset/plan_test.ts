import assert from "node:assert/strict";
import type { VMI, VMIRS } from "../../api/mod.ts";
import { invalidSpecOf, planReplicaSet, planWrites } from "./plan.ts";
import { rsFixture, vmiFixture } from "./testdata/fixtures.ts";

const names = (vmis: VMI[]) => vmis.map((v) => v.metadata.name);
const withReplicas = (n: number | undefined, edit: (rs: VMIRS) => void = () => {}) =>
  rsFixture((rs) => {
    if (n === undefined) delete rs.spec.replicas;
    else rs.spec.replicas = n;
    edit(rs);
  });
const running = (...list: string[]) => list.map((name) => vmiFixture(name));

interface Case {
  name: string;
  rs: VMIRS;
  vmis: VMI[];
  burst?: number;
  active: number;
  create: number;
  delete?: string[];
  cleanup?: string[];
}

const cases: Case[] = [
  {
    name: "as many as wanted: nothing to do",
    rs: withReplicas(3),
    vmis: running("a", "b", "c"),
    active: 3,
    create: 0,
  },
  {
    name: "no replicas field means KubeVirt's 1",
    rs: withReplicas(undefined),
    vmis: [],
    active: 0,
    create: 1,
  },
  {
    name: "too few: create the difference",
    rs: withReplicas(3),
    vmis: running("a"),
    active: 1,
    create: 2,
  },
  {
    name: "at most a burst of creates per pass",
    rs: withReplicas(300),
    vmis: [],
    active: 0,
    create: 250,
  },
  { name: "a smaller burst", rs: withReplicas(5), vmis: [], burst: 2, active: 0, create: 2 },
  {
    name: "too many: not yet Running first, then not Ready, then the newest",
    rs: withReplicas(1),
    vmis: [
      vmiFixture("ready-old", { createdMinute: 1 }),
      vmiFixture("ready-new", { createdMinute: 5 }),
      vmiFixture("not-ready", { createdMinute: 2, ready: "False", readyReason: "GuestNotRunning" }),
      vmiFixture("scheduling", { createdMinute: 3, phase: "Scheduling" }),
    ],
    active: 4,
    create: 0,
    delete: ["scheduling", "not-ready", "ready-new"],
  },
  {
    name: "zero replicas: delete every one",
    rs: withReplicas(0),
    vmis: running("a", "b"),
    active: 2,
    create: 0,
    delete: ["a", "b"],
  },
  {
    name: "ended VMIs do not count: replaced, then deleted",
    rs: withReplicas(3),
    vmis: [
      ...running("a"),
      vmiFixture("done", { phase: "Succeeded" }),
      vmiFixture("crashed", { phase: "Failed" }),
    ],
    active: 1,
    create: 2,
    cleanup: ["done", "crashed"],
  },
  {
    name: "a VMI whose launcher pod is going away does not count, and is deleted",
    rs: withReplicas(2),
    vmis: [...running("a"), vmiFixture("lost", { ready: "False", readyReason: "PodTerminating" })],
    active: 1,
    create: 1,
    cleanup: ["lost"],
  },
  {
    name: "VMIs being deleted do not count and are left to finish",
    rs: withReplicas(2),
    vmis: [...running("a"), vmiFixture("going", { deleting: true })],
    active: 1,
    create: 1,
  },
  {
    name: "paused: counted, never scaled nor cleaned up",
    rs: withReplicas(3, (rs) => (rs.spec.paused = true)),
    vmis: [...running("a"), vmiFixture("done", { phase: "Succeeded" })],
    active: 1,
    create: 0,
  },
  {
    name: "being deleted: nothing is scaled",
    rs: withReplicas(0, (rs) => (rs.metadata.deletionTimestamp = "2026-01-01T00:09:00Z")),
    vmis: running("a"),
    active: 1,
    create: 0,
  },
  {
    name: "an orphan it adopts counts; another controller's VMI does not",
    rs: withReplicas(3),
    vmis: [
      ...running("a", "b"),
      vmiFixture("orphan", { owner: "none" }),
      vmiFixture("foreign", { owner: "another-uid" }),
    ],
    active: 3,
    create: 0,
  },
];

for (const c of cases) {
  Deno.test(`planReplicaSet(): ${c.name}`, () => {
    const plan = planReplicaSet({ rs: c.rs, vmis: c.vmis }, c.burst);
    assert.equal(plan.active.length, c.active, "active");
    assert.equal(plan.create, c.create, "create");
    assert.deepEqual(names(plan.delete), c.delete ?? [], "delete");
    assert.deepEqual(names(plan.cleanup), c.cleanup ?? [], "cleanup");
    const writes = c.create > 0 || !!c.delete?.length || !!c.cleanup?.length ||
      plan.adopt.length > 0;
    assert.equal(planWrites(plan), writes, "planWrites");
  });
}

Deno.test("planReplicaSet() cleans up at most a burst of ended VMIs per pass", () => {
  const ended = ["x", "y", "z"].map((name) => vmiFixture(name, { phase: "Failed" }));
  const plan = planReplicaSet({ rs: withReplicas(0), vmis: ended }, 2);
  assert.deepEqual(names(plan.cleanup), ["x", "y"]);
});

Deno.test("invalidSpecOf() refuses empty template labels and a selector that misses them", () => {
  assert.equal(invalidSpecOf(rsFixture()), undefined);
  assert.match(
    invalidSpecOf(rsFixture((rs) => (rs.spec.template.metadata!.labels = {}))) ?? "",
    /labels is empty/,
  );
  assert.match(
    invalidSpecOf(rsFixture((rs) => (rs.spec.selector = { matchLabels: { app: "db" } }))) ?? "",
    /does not match/,
  );
});
