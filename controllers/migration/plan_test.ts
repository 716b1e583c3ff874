import assert from "node:assert/strict";
import type { MigrationState, Pod, VMI, VMIM } from "../../api/mod.ts";
import { boundPod, NOW, podFixture, VMI_UID, vmiFixture } from "../vmi/testdata/fixtures.ts";
import { DEFAULT_PENDING_TIMEOUTS, type MigrationObserved, planMigration } from "./plan.ts";
import { targetPodFor } from "./target_pod.ts";

const LAUNCHER = { image: "registry.k8s.io/pause:3.10" };
const MIG_UID = "9a1f0000-0000-4000-8000-000000000001";

function vmim(edit: (m: VMIM) => void = () => {}): VMIM {
  const m: VMIM = {
    apiVersion: "kubevirt.io/v1",
    kind: "VirtualMachineInstanceMigration",
    metadata: {
      name: "kubevirt-migrate-vm-abcde",
      namespace: "prod",
      uid: MIG_UID,
      labels: { "kubevirt.io/vmi-name": "web" },
      finalizers: ["kubevirt.io/migrationJobFinalize"],
    },
    spec: { vmiName: "web" },
  };
  edit(m);
  return m;
}

const inPhase = (phase: NonNullable<VMIM["status"]>["phase"]) => vmim((m) => m.status = { phase });

/** The fixture VMI running on node-a, with `state` as its migration record. */
function runningVmi(state?: MigrationState, edit: (v: VMI) => void = () => {}): VMI {
  return vmiFixture("Running", (v) => {
    v.status!.nodeName = "node-a";
    if (state) v.status!.migrationState = state;
    edit(v);
  });
}

const sourcePod = () => boundPod("node-a");
/** The target pod of the migration, bound to `node` (unbound when undefined). */
function targetPod(node?: string, edit: (p: Pod) => void = () => {}): Pod {
  const pod = targetPodFor(runningVmi(), vmim(), LAUNCHER);
  pod.metadata!.uid = "target-uid";
  pod.metadata!.creationTimestamp = "2026-01-01T00:00:00Z";
  pod.status = node
    ? { phase: "Running", conditions: [{ type: "PodScheduled", status: "True" }] }
    : {
      phase: "Pending",
      conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable" }],
    };
  if (node) pod.spec!.nodeName = node;
  edit(pod);
  return pod;
}

function observed(over: Partial<MigrationObserved>): MigrationObserved {
  return {
    vmim: vmim(),
    vmi: runningVmi(),
    pods: [sourcePod()],
    others: [],
    timeouts: DEFAULT_PENDING_TIMEOUTS,
    ...over,
  };
}

const record: MigrationState = {
  migrationUid: MIG_UID,
  sourceNode: "node-a",
  sourcePod: podFixture().metadata!.name!,
  targetNode: "node-b",
  targetPod: targetPod("node-b").metadata!.name!,
};

Deno.test("planMigration() labels a new migration, holds it with the finalizer and makes its target pod", () => {
  const plan = planMigration(
    observed({ vmim: vmim((m) => m.metadata = { ...m.metadata, labels: {}, finalizers: [] }) }),
    LAUNCHER,
    NOW,
  );
  assert.deepEqual(plan.labels, { "kubevirt.io/vmi-name": "web" });
  assert.deepEqual(plan.finalizers, ["kubevirt.io/migrationJobFinalize"]);
  assert.equal(plan.status.phase, "Pending");
  assert.deepEqual(plan.status.phaseTransitionTimestamps, [
    { phase: "Pending", phaseTransitionTimestamp: "2026-01-01T00:01:00Z" },
  ]);
  assert.equal(plan.createPod?.metadata?.labels?.["kubevirt.io/migrationJobUID"], MIG_UID);
  assert.deepEqual(plan.status.migrationState, {
    sourceNode: "node-a",
    sourcePod: podFixture().metadata!.name,
  });
});

Deno.test("planMigration() waits in Pending while the VMI is not running", () => {
  const vmi = vmiFixture("Scheduled", (v) => v.status!.nodeName = "node-a");
  const plan = planMigration(observed({ vmi }), LAUNCHER, NOW);
  assert.equal(plan.status.phase, "Pending");
  assert.equal(plan.createPod, undefined);
});

Deno.test("planMigration() moves to Scheduling once the cache shows the target pod", () => {
  const plan = planMigration(
    observed({ vmim: inPhase("Pending"), pods: [sourcePod(), targetPod()] }),
    LAUNCHER,
    NOW,
  );
  assert.equal(plan.status.phase, "Scheduling");
  assert.equal(plan.createPod, undefined);
  assert.equal(plan.requeueAfterMs, 240_000, "the unschedulable timeout less the minute waited");
});

Deno.test("planMigration() fails a migration whose target pod stays unschedulable past the timeout", () => {
  const target = targetPod();
  const timeouts = { unschedulableSeconds: 30, pendingSeconds: 900 };
  const plan = planMigration(
    observed({ vmim: inPhase("Scheduling"), pods: [sourcePod(), target], timeouts }),
    LAUNCHER,
    NOW,
  );
  assert.equal(plan.status.phase, "Failed");
  assert.deepEqual(plan.deletePods, [target]);
  assert.match(plan.events[0]!.message, /unschedulable pod prod\/virt-launcher-web-\w+ timeout/);
});

Deno.test("planMigration() hands a bound target pod to the agents with a fresh record on the VMI", () => {
  const old = { migrationUid: "old", completed: true, targetNodeAddress: "10.0.0.1" };
  const plan = planMigration(
    observed({
      vmim: inPhase("Scheduling"),
      vmi: runningVmi(old),
      pods: [sourcePod(), targetPod("node-b")],
    }),
    LAUNCHER,
    NOW,
  );
  assert.equal(plan.status.phase, "Scheduled", "PreparingTarget once the VMI shows the record");
  assert.deepEqual(plan.vmiMigrationState, {
    completed: null,
    targetNodeAddress: null,
    ...record,
  });
});

Deno.test("planMigration() follows the agents' fields through to Succeeded", () => {
  const cases: Array<[string, MigrationState, string]> = [
    ["Scheduled", record, "PreparingTarget"],
    ["PreparingTarget", record, "PreparingTarget"],
    ["PreparingTarget", { ...record, targetNodeAddress: "10.0.0.2" }, "TargetReady"],
    ["TargetReady", { ...record, targetNodeAddress: "a", startTimestamp: "t" }, "Running"],
    ["Scheduled", { ...record, targetNodeAddress: "a", startTimestamp: "t" }, "Running"],
  ];
  for (const [from, state, to] of cases) {
    const plan = planMigration(
      observed({
        vmim: inPhase(from as "Scheduled"),
        vmi: runningVmi(state),
        pods: [sourcePod(), targetPod("node-b")],
      }),
      LAUNCHER,
      NOW,
    );
    assert.equal(plan.status.phase, to, `${from} with ${JSON.stringify(state)}`);
    assert.deepEqual(plan.status.migrationState, state);
    assert.equal(plan.vmiMigrationState, undefined);
  }
});

Deno.test("planMigration() succeeds only after the VMI was switched to the target node", () => {
  const done = { ...record, targetNodeAddress: "a", startTimestamp: "t", completed: true };
  const pods = [sourcePod(), targetPod("node-b")];
  const before = planMigration(
    observed({ vmim: inPhase("Running"), vmi: runningVmi(done), pods }),
    LAUNCHER,
    NOW,
  );
  assert.equal(before.status.phase, "Running");
  assert.deepEqual(before.deletePods, []);
  const switched = runningVmi(done, (v) => v.status!.nodeName = "node-b");
  const after = planMigration(
    observed({ vmim: inPhase("Running"), vmi: switched, pods }),
    LAUNCHER,
    NOW,
  );
  assert.equal(after.status.phase, "Succeeded");
  assert.deepEqual(after.deletePods, [pods[0]], "the source pod goes");
});

Deno.test("planMigration() fails the migration and deletes its target pod on each failure", () => {
  const bound = targetPod("node-b");
  const cases: Array<[string, Partial<MigrationObserved>, RegExp]> = [
    ["VMI gone", { vmi: undefined }, /vmi does not exist/],
    ["VMI ended", { vmi: vmiFixture("Succeeded") }, /vmi shutdown/],
    ["source failed", { vmi: runningVmi({ ...record, failed: true }) }, /source node reported/],
    [
      "aborted",
      { vmi: runningVmi({ ...record, abortStatus: "Succeeded" }) },
      /source node reported/,
    ],
    [
      "target pod failed",
      { pods: [sourcePod(), targetPod("node-b", (p) => p.status!.phase = "Failed")] },
      /target pod shutdown/,
    ],
    ["record replaced", { vmi: runningVmi({ ...record, migrationUid: "other" }) }, /taken over/],
  ];
  for (const [what, over, message] of cases) {
    const plan = planMigration(
      observed({
        vmim: inPhase("PreparingTarget"),
        vmi: runningVmi(record),
        pods: [sourcePod(), bound],
        ...over,
      }),
      LAUNCHER,
      NOW,
    );
    assert.equal(plan.status.phase, "Failed", what);
    assert.match(plan.events[0]!.message, message, what);
    const target = (over.pods ?? [sourcePod(), bound])[1]!;
    const down = target.status?.phase === "Failed";
    assert.deepEqual(plan.deletePods, down ? [] : [target], what);
  }
});

Deno.test("planMigration() fails a running migration whose target pod disappeared", () => {
  const plan = planMigration(
    observed({ vmim: inPhase("Running"), vmi: runningVmi({ ...record, startTimestamp: "t" }) }),
    LAUNCHER,
    NOW,
  );
  assert.equal(plan.status.phase, "Failed");
  assert.match(plan.events[0]!.message, /target pod was removed/);
});

Deno.test("planMigration() cancels a migration deleted before the hand-off at once", () => {
  const target = targetPod();
  const deleted = vmim((m) => {
    m.metadata.deletionTimestamp = "2026-01-01T00:00:30Z";
    m.status = { phase: "Scheduling" };
  });
  const plan = planMigration(
    observed({ vmim: deleted, pods: [sourcePod(), target] }),
    LAUNCHER,
    NOW,
  );
  assert.equal(plan.status.phase, "Failed");
  assert.equal(plan.status.conditions?.[0]?.type, "migrationAbortRequested");
  assert.equal(plan.status.conditions?.[0]?.status, "True");
  assert.deepEqual(plan.deletePods, [target]);
  assert.equal(plan.finalizers, undefined, "removed once Failed is written");
});

Deno.test("planMigration() asks the source agent to abort a migration deleted after the hand-off", () => {
  const deleted = vmim((m) => {
    m.metadata.deletionTimestamp = "2026-01-01T00:00:30Z";
    m.status = { phase: "Running" };
  });
  const state = { ...record, targetNodeAddress: "a", startTimestamp: "t" };
  const pods = [sourcePod(), targetPod("node-b")];
  const plan = planMigration(
    observed({ vmim: deleted, vmi: runningVmi(state), pods }),
    LAUNCHER,
    NOW,
  );
  assert.equal(plan.status.phase, "Running");
  assert.deepEqual(plan.vmiMigrationState, { abortRequested: true });
  assert.equal(plan.status.conditions?.[0]?.type, "migrationAbortRequested");
  assert.deepEqual(plan.deletePods, []);
  const asked = planMigration(
    observed({ vmim: deleted, vmi: runningVmi({ ...state, abortRequested: true }), pods }),
    LAUNCHER,
    NOW,
  );
  assert.equal(asked.vmiMigrationState, undefined, "asked once");
});

Deno.test("planMigration() lets an ended migration go and keeps the VMI's record of it", () => {
  const state = { ...record, completed: true };
  const plan = planMigration(
    observed({ vmim: inPhase("Succeeded"), vmi: runningVmi(state) }),
    LAUNCHER,
    NOW,
  );
  assert.deepEqual(plan.finalizers, []);
  assert.deepEqual(plan.status.migrationState, state);
  assert.equal(plan.status.phaseTransitionTimestamps, undefined);
});

Deno.test("planMigration() fails a second migration while another one of the VMI is active", () => {
  const other = vmim((m) => {
    m.metadata.uid = "other";
    m.status = { phase: "Scheduling" };
  });
  const plan = planMigration(observed({ others: [other] }), LAUNCHER, NOW);
  assert.equal(plan.status.phase, "Failed");
  assert.match(plan.events[0]!.message, /another migration job is in progress/);
  assert.equal(plan.createPod, undefined);
});

Deno.test("targetPodFor() keeps the target off the VMI's node and adds the migration's selector", () => {
  const m = vmim((v) => v.spec.addedNodeSelector = { zone: "b", disk: "hdd" });
  const pod = targetPodFor(runningVmi(), m, LAUNCHER);
  const spec = pod.spec as Record<string, unknown>;
  assert.deepEqual(spec.nodeSelector, {
    zone: "b",
    disk: "ssd",
    "kubevirt.io/schedulable": "true",
  });
  assert.deepEqual(spec.affinity, {
    nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [] },
    podAntiAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: [{
        labelSelector: { matchLabels: { "kubevirt.io/created-by": VMI_UID } },
        topologyKey: "kubernetes.io/hostname",
      }],
    },
  });
  assert.equal(pod.metadata?.labels?.["kubevirt.io/migrationJobUID"], MIG_UID);
  assert.equal(pod.metadata?.annotations?.["kubevirt.io/migrationJobName"], m.metadata.name);
  assert.equal(pod.metadata?.ownerReferences?.[0]?.uid, VMI_UID);
  assert.notEqual(pod.metadata?.name, podFixture().metadata?.name);
  assert.equal(targetPodFor(runningVmi(), m, LAUNCHER).metadata?.name, pod.metadata?.name);
});

Deno.test("planMigration() labels the VMI with its target node while the migration is in flight", () => {
  const label = "kubevirt.io/migrationTargetNodeName";
  const labelled = (v: VMI) => v.metadata.labels = { ...v.metadata.labels, [label]: "node-b" };
  const pods = [sourcePod(), targetPod("node-b")];
  const cases: Array<[string, VMIM, VMI, Record<string, string | null> | undefined]> = [
    ["handed over", inPhase("Scheduling"), runningVmi(), { [label]: "node-b" }],
    ["record without label", inPhase("PreparingTarget"), runningVmi(record), { [label]: "node-b" }],
    ["already labelled", inPhase("PreparingTarget"), runningVmi(record, labelled), undefined],
    ["not handed over yet", inPhase("Pending"), runningVmi(), undefined],
    ["over", inPhase("Failed"), runningVmi({ ...record, failed: true }, labelled), {
      [label]: null,
    }],
    ["over, no label", inPhase("Succeeded"), runningVmi({ ...record, completed: true }), undefined],
  ];
  for (const [name, vmim, vmi, labels] of cases) {
    // Before the target pod is bound there is no record, so no label.
    const present = name === "not handed over yet" ? [sourcePod()] : pods;
    const plan = planMigration(observed({ vmim, vmi, pods: present }), LAUNCHER, NOW);
    assert.deepEqual(plan.vmiLabels, labels, name);
  }
});
