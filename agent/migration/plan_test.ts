import assert from "node:assert/strict";
import { AGENT_FINALIZER, type MigrationState, type Pod, type VMI } from "../../api/mod.ts";
import { plan } from "../vmi/plan.ts";
import { PROGRESS_POLL_MS } from "./plan.ts";
import type { Observation, ObservedDomain } from "../vmi/types.ts";

const UID = "11111111-2222-3333-4444-555555555555";
const NOW = "2026-01-01T00:01:00Z";
const base: MigrationState = {
  migrationUid: "m1",
  sourceNode: "n1",
  sourcePod: "virt-launcher-vm-a",
  targetNode: "n2",
  targetPod: "virt-launcher-vm-b",
};

function vmi(state: Partial<MigrationState> | undefined, nodeName = "n1", phase = "Running"): VMI {
  return {
    apiVersion: "kubevirt.io/v1",
    kind: "VirtualMachineInstance",
    metadata: { namespace: "ns", name: "vm", uid: UID, finalizers: [AGENT_FINALIZER] },
    spec: {
      domain: { devices: { interfaces: [{ name: "default", masquerade: {} }] } },
      networks: [{ name: "default", pod: {} }],
    },
    status: {
      phase,
      nodeName,
      ...(state ? { migrationState: { ...base, ...state } } : {}),
    },
  } as unknown as VMI;
}

function domain(node: string, state: ObservedDomain["state"] = "running"): ObservedDomain {
  return {
    name: "ns_vm",
    uuid: "dddddddd-0000-0000-0000-000000000000",
    state,
    reason: "unknown",
    owner: { uid: UID, node },
    live: { interfaces: [], disks: [], machine: "q35" },
  };
}

const targetPod = { metadata: { name: "virt-launcher-vm-b", uid: "tp" } } as Pod;

function on(
  node: string,
  v: VMI | undefined,
  d: ObservedDomain | undefined,
  extra: Partial<Observation> = {},
) {
  const o: Observation = { key: "ns/vm", node, kvm: false, now: NOW, vmi: v, domain: d, ...extra };
  return plan(o);
}

/** Action types, with the migration-state fields written. */
function steps(p: ReturnType<typeof plan>): string[] {
  return p.actions.filter((a) => a.type !== "writeStatus").map((a) =>
    a.type === "writeMigrationState"
      ? `writeMigrationState(${Object.keys(a.fields).join(",")})`
      : a.type
  );
}

Deno.test("plan() on a migration's target prepares, then reports the address", () => {
  const p = on("n2", vmi({}), undefined, { targetPod, nodeAddress: "10.0.0.2" });
  assert.deepEqual(steps(p), ["prepareTarget", "writeMigrationState(targetNodeAddress)"]);
  const write = p.actions[1];
  assert.ok(write?.type === "writeMigrationState");
  assert.equal(write.fields.targetNodeAddress, "10.0.0.2");
  assert.deepEqual(
    steps(on("n2", vmi({}), undefined, { nodeAddress: "10.0.0.2" })),
    [],
    "no pod yet",
  );
  assert.deepEqual(
    steps(on("n2", vmi({ targetNodeAddress: "10.0.0.2" }), undefined, { targetPod })),
    [],
    "prepared: the source moves",
  );
});

Deno.test("plan() on a migration's target reports the domain once it runs there", () => {
  const migrating = vmi({ targetNodeAddress: "a", startTimestamp: NOW });
  assert.deepEqual(steps(on("n2", migrating, domain("n2", "paused"))), []);
  assert.deepEqual(steps(on("n2", migrating, domain("n2"))), [
    "writeMigrationState(targetNodeDomainDetected,targetNodeDomainReadyTimestamp)",
  ]);
  const done = vmi({ targetNodeAddress: "a", completed: true });
  assert.equal(steps(on("n2", done, domain("n2"))).length, 1, "completed, nodeName not switched");
  const switched = vmi({ targetNodeAddress: "a", completed: true }, "n2");
  assert.ok(
    steps(on("n2", switched, domain("n2"))).includes(
      "writeMigrationState(targetNodeDomainDetected,targetNodeDomainReadyTimestamp)",
    ),
  );
  const reported = vmi({ completed: true, targetNodeDomainDetected: true }, "n2");
  assert.deepEqual(steps(on("n2", reported, domain("n2"))), [], "the target owns it as usual");
});

Deno.test("plan() on a failed migration's target removes the domain and the files", () => {
  const failed = vmi({ targetNodeAddress: "a", failed: true });
  assert.deepEqual(steps(on("n2", failed, domain("n2", "paused"))), [
    "destroy",
    "undefine",
    "removeFiles",
  ]);
  assert.deepEqual(steps(on("n2", failed, undefined, { targetFiles: true })), ["removeFiles"]);
  assert.deepEqual(steps(on("n2", failed, undefined, { targetFiles: false })), []);
});

Deno.test("plan() on the source starts the job once the target reported its address", () => {
  assert.deepEqual(steps(on("n1", vmi({}), domain("n1"))), []);
  assert.deepEqual(steps(on("n1", vmi({ targetNodeAddress: "a" }), domain("n1"))), [
    "startMigration",
  ]);
});

Deno.test("plan() on the source checks a running job's progress at each poll", () => {
  const running = { migrationUid: "m1", aborting: false };
  const moving = vmi({ targetNodeAddress: "a", startTimestamp: NOW });
  const result = on("n1", moving, domain("n1"), { migrationJob: running });
  assert.deepEqual(result.actions.map((a) => a.type), ["checkMigrationProgress"]);
  assert.equal(result.requeueAfterMs, PROGRESS_POLL_MS);
  // Another migration's job is not this one's: nothing is checked for it.
  const other = { migrationUid: "m0", aborting: false };
  assert.equal(
    on("n1", moving, domain("n1"), { migrationJob: other }).requeueAfterMs,
    undefined,
  );
});

Deno.test("plan() on the source aborts the job in flight when asked", () => {
  const asked = vmi({ targetNodeAddress: "a", startTimestamp: NOW, abortRequested: true });
  const job = { migrationUid: "m1", aborting: false };
  assert.deepEqual(steps(on("n1", asked, domain("n1"), { migrationJob: job })), [
    "abortMigration",
    "checkMigrationProgress",
  ]);
  assert.deepEqual(
    steps(on("n1", asked, domain("n1"), { migrationJob: { ...job, aborting: true } })),
    ["checkMigrationProgress"],
  );
  const early = vmi({ targetNodeAddress: "a", abortRequested: true });
  assert.deepEqual(steps(on("n1", early, domain("n1"))), [
    "writeMigrationState(abortStatus,failed,failureReason,endTimestamp)",
  ]);
});

Deno.test("plan() on the source does not call a domain lost while its job moves it", () => {
  const job = { migrationUid: "m1", aborting: false };
  const moving = vmi({ targetNodeAddress: "a", startTimestamp: NOW });
  assert.deepEqual(steps(on("n1", moving, undefined, { migrationJob: job })), [
    "checkMigrationProgress",
  ]);
  const done = vmi({ targetNodeAddress: "a", startTimestamp: NOW, completed: true });
  assert.deepEqual(steps(on("n1", done, undefined)), []);
});

Deno.test("plan() on a restarted source settles the migration from libvirt", () => {
  const started = vmi({ targetNodeAddress: "a", startTimestamp: NOW });
  assert.deepEqual(steps(on("n1", started, undefined)), [
    "writeMigrationState(completed,endTimestamp)",
    "removeFiles",
  ]);
  const p = on("n1", started, domain("n1"));
  assert.deepEqual(steps(p), [
    "abortMigrationJob",
    "writeMigrationState(failed,failureReason,endTimestamp)",
  ]);
  const write = p.actions.find((a) => a.type === "writeMigrationState");
  assert.ok(write?.type === "writeMigrationState");
  assert.equal(write.fields.failureReason, "agent restarted");
});

Deno.test("plan() destroys a stale domain: its VMI is assigned to another node", () => {
  assert.deepEqual(steps(on("n3", vmi(undefined, "n1"), domain("n3"))), [
    "destroy",
    "undefine",
    "removeFiles",
  ]);
  const completedElsewhere = vmi({ completed: true }, "n2");
  assert.deepEqual(steps(on("n1", completedElsewhere, domain("n1"))), [
    "destroy",
    "undefine",
    "removeFiles",
  ]);
});
