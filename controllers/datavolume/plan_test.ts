import assert from "node:assert/strict";
import type { DV, PersistentVolumeClaim } from "../../api/mod.ts";
import { conditionOf } from "../../api/conditions.ts";
import { CLONE_SOURCE_POLL_MS, type DvObserved, planDataVolume } from "./plan.ts";
import { claimOf, dvFixture, NOW, storageClass } from "./testdata/fixtures.ts";

const PHASE = "cdi.kubevirt.io/storage.pod.phase";
const MESSAGE = "cdi.kubevirt.io/storage.condition.running.message";
const WFFC = storageClass("WaitForFirstConsumer");
const http = dvFixture();
const clone = dvFixture((dv) => dv.spec.source = { pvc: { namespace: "images", name: "golden" } });

const observed = (dv: DV, claim?: PersistentVolumeClaim, more: Partial<DvObserved> = {}) => ({
  dv,
  claim,
  storageClass: WFFC,
  ...more,
});
const brief = (events: Array<{ type: string; reason: string; message: string }>) =>
  events.map((e) => `${e.type} ${e.reason}: ${e.message}`);

Deno.test("planDataVolume() makes the claim of a DataVolume that has none", () => {
  const plan = planDataVolume(observed(http), NOW);
  assert.equal(plan.createClaim?.metadata?.name, "rootdisk");
  assert.equal(plan.status.phase, "Pending");
  assert.deepEqual(brief(plan.events), ["Normal Pending: PVC rootdisk Pending"]);
  assert.equal(plan.requeueAfterMs, undefined);
});

Deno.test("planDataVolume() leaves a claim of its name that it does not own alone, and says so", () => {
  const foreign: PersistentVolumeClaim = {
    metadata: { name: "rootdisk", namespace: "default" },
    status: { phase: "Bound" },
  };
  const plan = planDataVolume(observed(http, foreign), NOW);
  assert.equal(plan.createClaim, undefined);
  assert.equal(plan.status.phase, "Pending");
  assert.equal(plan.status.claimName, undefined);
  const bound = conditionOf(plan.status.conditions, "Bound");
  assert.equal(bound?.status, "False");
  assert.equal(bound?.reason, "ErrResourceExists");
  assert.match(bound?.message ?? "", /"rootdisk" already exists and is not managed by DataVolume/);
  assert.deepEqual(brief(plan.events), [`Warning ErrResourceExists: ${bound?.message}`]);
  // Once reported, the same problem makes no new Event.
  const again = planDataVolume(observed({ ...http, status: plan.status }, foreign), NOW + 1_000);
  assert.deepEqual(again.events, []);
  assert.deepEqual(again.status, plan.status);
});

Deno.test("planDataVolume() waits for a clone's source and looks again", () => {
  const plan = planDataVolume(
    observed(clone, undefined, { clone: { claim: undefined, volume: undefined } }),
    NOW,
  );
  assert.equal(plan.createClaim, undefined);
  assert.equal(plan.status.phase, "Pending");
  assert.equal(plan.requeueAfterMs, CLONE_SOURCE_POLL_MS);
  assert.match(brief(plan.events)[0] ?? "", /^Warning CloneWithoutSource: .*images\/golden/);
});

Deno.test("planDataVolume() fails a DataVolume without a size, with an Error event naming the field", () => {
  const plan = planDataVolume(observed(dvFixture((dv) => dv.spec.storage = {})), NOW);
  assert.equal(plan.createClaim, undefined);
  assert.equal(plan.status.phase, "Failed");
  assert.match(brief(plan.events)[0] ?? "", /^Warning Error: spec\.storage\.resources\.requests/);
});

Deno.test("planDataVolume() reports a refused claim create in status", () => {
  const plan = planDataVolume(observed(http, undefined, { claimCreateError: "quota" }), NOW);
  assert.equal(plan.createClaim, undefined);
  assert.equal(conditionOf(plan.status.conditions, "Bound")?.reason, "ErrClaimNotValid");
  assert.deepEqual(brief(plan.events), ["Warning ErrClaimNotValid: quota"]);
});

Deno.test("planDataVolume() records CDI's Events as the import moves on, once each", () => {
  const steps: Array<[string, DV, PersistentVolumeClaim | undefined, string[]]> = [
    ["claim made", http, claimOf(http, "Pending"), [
      "Normal WaitForFirstConsumer: PVC rootdisk waits for its first consumer",
    ]],
    ["bound", http, claimOf(http, "Bound"), [
      "Normal Bound: PVC rootdisk Bound",
      "Normal ImportScheduled: Import into rootdisk scheduled",
    ]],
    ["running", http, claimOf(http, "Bound", { [PHASE]: "Running" }), [
      "Normal ImportInProgress: Import into rootdisk in progress",
    ]],
    ["still running", http, claimOf(http, "Bound", { [PHASE]: "Running" }), []],
    ["done", http, claimOf(http, "Bound", { [PHASE]: "Succeeded" }), [
      "Normal ImportSucceeded: Successfully imported into PVC rootdisk",
    ]],
  ];
  let status = undefined;
  for (const [what, dv, claim, want] of steps) {
    const plan = planDataVolume(observed({ ...dv, ...(status ? { status } : {}) }, claim), NOW);
    assert.deepEqual(brief(plan.events), want, what);
    status = plan.status;
  }
});

Deno.test("planDataVolume() names clones and failures in its Events", () => {
  const boundStatus = (phase: "CloneInProgress" | "ImportInProgress") => ({
    phase,
    conditions: [{ type: "Bound", status: "True" as const, reason: "Bound" }],
  });
  const cloning = { ...clone, status: boundStatus("CloneInProgress") };
  assert.deepEqual(
    brief(
      planDataVolume(observed(cloning, claimOf(clone, "Bound", { [PHASE]: "Succeeded" })), NOW)
        .events,
    ),
    ["Normal CloneSucceeded: Successfully cloned from images/golden into default/rootdisk"],
  );
  const importing = { ...http, status: boundStatus("ImportInProgress") };
  const failed = claimOf(http, "Bound", { [PHASE]: "Failed", [MESSAGE]: "404 Not Found" });
  assert.deepEqual(brief(planDataVolume(observed(importing, failed), NOW).events), [
    "Warning ImportFailed: Failed to import into PVC rootdisk: 404 Not Found",
  ]);
  assert.deepEqual(
    brief(planDataVolume(observed(importing, claimOf(http, "Lost")), NOW).events),
    ["Warning Error: PVC rootdisk lost"],
  );
});
