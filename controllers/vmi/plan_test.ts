import assert from "node:assert/strict";
import type { Pod, VMI } from "../../api/mod.ts";
import { NO_VOLUMES } from "../volumes.ts";
import { planVmi } from "./plan.ts";
import type { VmiObserved } from "./plan_types.ts";
import { SCHEDULING_HOLD_MS } from "./scheduling_hold.ts";
import { boundPod, NOW, podFixture, vmiFixture } from "./testdata/fixtures.ts";

const LAUNCHER = { image: "registry.k8s.io/pause:3.10" };
const AGENT = "denovirt.io/agent-teardown";
const VMI_FIN = "foregroundDeleteVirtualMachine";

function plan(vmi: VMI, pods: Pod[] = [], more: Partial<VmiObserved> = {}) {
  return planVmi({ vmi, pods, ownerVmExists: true, volumes: NO_VOLUMES, ...more }, LAUNCHER, NOW);
}
const condition = (p: ReturnType<typeof plan>, type: string) =>
  p.status.conditions?.find((c) => c.type === type);

Deno.test("planVmi() creates one launcher pod for a new VMI and moves it to Scheduling", () => {
  for (const phase of [undefined, "", "Pending"] as const) {
    const p = plan(vmiFixture(phase));
    assert.equal(
      p.createPod?.metadata?.labels?.["kubevirt.io/created-by"],
      vmiFixture().metadata.uid,
    );
    assert.equal(p.status.phase, "Scheduling");
    assert.deepEqual(p.status.phaseTransitionTimestamps?.map((t) => t.phase), ["Scheduling"]);
    assert.equal(p.finalizers, undefined, "the finalizers are in place already");
  }
});

Deno.test("planVmi() never creates a second pod when one exists for the VMI", () => {
  const p = plan(vmiFixture("Pending"), [podFixture()]);
  assert.equal(p.createPod, undefined);
  assert.equal(p.status.phase, "Scheduling");
  assert.equal(plan(vmiFixture("Scheduling"), [podFixture()]).createPod, undefined);
});

Deno.test("planVmi() adds the VMI finalizer to a VMI made without it", () => {
  const p = plan(vmiFixture("", (v) => v.metadata.finalizers = []));
  assert.deepEqual(p.finalizers, [VMI_FIN]);
});

Deno.test("planVmi() copies the scheduler's Unschedulable condition while the pod waits", () => {
  const p = plan(vmiFixture("Scheduling"), [podFixture()]);
  assert.equal(p.status.phase, "Scheduling");
  assert.deepEqual(condition(p, "PodScheduled"), {
    type: "PodScheduled",
    status: "False",
    reason: "Unschedulable",
    message: "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector.",
    lastTransitionTime: "2026-01-01T00:01:00Z",
  });
  assert.equal(condition(p, "Ready")?.reason, "GuestNotRunning");
});

Deno.test("planVmi() hands a VMI whose pod is bound to its node: Scheduled, node, label", () => {
  const vmi = vmiFixture("Scheduling", (v) => {
    v.status!.conditions = [{ type: "PodScheduled", status: "False", reason: "Unschedulable" }];
  });
  const p = plan(vmi, [boundPod("node-a")]);
  assert.equal(p.status.phase, "Scheduled");
  assert.equal(p.status.nodeName, "node-a");
  assert.equal(p.labels?.["kubevirt.io/nodeName"], "node-a");
  assert.equal(p.finalizers, undefined, "the agent adds its own finalizer");
  assert.equal(condition(p, "PodScheduled"), undefined);
  assert.equal(condition(p, "Ready")?.reason, "GuestNotRunning");
  assert.deepEqual(p.status.activePods, { "pod-uid-1": "node-a" });
  assert.equal(p.status.qosClass, "Burstable");
});

Deno.test("planVmi() holds a new pod's Scheduling write while the binding may come, not longer", () => {
  const made = plan(vmiFixture(""));
  assert.equal(made.holdStatus, true);
  assert.equal(made.requeueAfterMs, SCHEDULING_HOLD_MS);
  // Found in the cache, unbound: held until SCHEDULING_HOLD_MS after its creation second.
  const fresh = (ms: number) =>
    podFixture((p) => {
      p.metadata!.creationTimestamp = new Date(NOW - ms).toISOString().slice(0, 19) + "Z";
      p.status = { phase: "Pending" };
    });
  const waiting = plan(vmiFixture(""), [fresh(1_000)]);
  assert.equal(waiting.holdStatus, true);
  assert.equal(waiting.requeueAfterMs, SCHEDULING_HOLD_MS - 1_000);
  const late = plan(vmiFixture(""), [fresh(2_000)]);
  assert.equal(late.holdStatus, false);
  assert.equal(late.status.phase, "Scheduling");
  assert.equal(plan(vmiFixture(""), [podFixture()]).holdStatus, false, "unschedulable: at once");
  assert.equal(plan(vmiFixture("Scheduling"), [fresh(0)]).holdStatus, false, "written before");
});

Deno.test("planVmi() takes a pending VMI whose pod is bound to Scheduled in one write", () => {
  const p = plan(vmiFixture(""), [boundPod("node-a")]);
  assert.equal(p.holdStatus, false);
  assert.equal(p.status.phase, "Scheduled");
  assert.equal(p.status.nodeName, "node-a");
  assert.equal(p.labels?.["kubevirt.io/nodeName"], "node-a");
  assert.deepEqual(p.status.phaseTransitionTimestamps, [
    { phase: "Scheduling", phaseTransitionTimestamp: "2026-01-01T00:00:01Z" },
    { phase: "Scheduled", phaseTransitionTimestamp: "2026-01-01T00:01:00Z" },
  ]);
});

Deno.test("planVmi() fails a VMI whose launcher pod is lost while it is scheduled, saying how", () => {
  const cases: Array<[string, Pod[], string]> = [
    ["gone", [], "LauncherPodMissing"],
    [
      "deleted",
      [boundPod("node-a", (p) => p.metadata!.deletionTimestamp = "x")],
      "LauncherPodDeleted",
    ],
    [
      "evicted",
      [boundPod(
        "node-a",
        (p) => p.status = { phase: "Failed", reason: "Evicted", message: "low memory" },
      )],
      "LauncherPodEvicted",
    ],
    ["failed", [boundPod("node-a", (p) => p.status = { phase: "Failed" })], "LauncherPodFailed"],
  ];
  for (const [what, pods, reason] of cases) {
    const p = plan(vmiFixture("Scheduling"), pods);
    assert.equal(p.status.phase, "Failed", `pod ${what}`);
    assert.equal(p.status.reason, reason, `pod ${what}`);
    assert.equal(p.podMissing, what === "gone");
    assert.equal(p.events[0]?.type, "Warning");
  }
});

Deno.test("planVmi() leaves the lifecycle of a VMI on a node to its agent, pod lost or not", () => {
  for (const phase of ["Scheduled", "Running"] as const) {
    for (const pods of [[], [boundPod("node-a", (p) => p.status = { phase: "Failed" })]]) {
      const vmi = vmiFixture(phase, (v) => v.status!.nodeName = "node-a");
      const p = plan(vmi, pods);
      assert.equal(p.status.phase, phase);
      assert.equal(p.status.reason, undefined);
      assert.deepEqual(p.status.conditions, vmi.status!.conditions);
      assert.deepEqual(p.status.phaseTransitionTimestamps, vmi.status!.phaseTransitionTimestamps);
      assert.equal(p.podMissing, false);
      assert.deepEqual(p.events, []);
    }
  }
});

Deno.test("planVmi() leaves a Running VMI with its pod alone", () => {
  const vmi = vmiFixture("Running", (v) => {
    v.status!.nodeName = "node-a";
    v.metadata.labels!["kubevirt.io/nodeName"] = "node-a";
    v.metadata.finalizers!.push(AGENT);
  });
  const p = plan(vmi, [boundPod("node-a")]);
  assert.equal(p.status.phase, "Running");
  assert.equal(p.createPod, undefined);
  assert.deepEqual(p.deletePods, []);
  assert.equal(p.finalizers, undefined);
  assert.equal(p.labels, undefined);
  assert.deepEqual(p.status.conditions, vmi.status!.conditions, "the agent's to write");
});

Deno.test("planVmi() holds the pod back while a claim is missing, as KubeVirt's FailedPvcNotFound", () => {
  const vmi = vmiFixture("", (v) => {
    v.spec.volumes = [{ name: "root", persistentVolumeClaim: { claimName: "root-pvc" } }];
  });
  const p = plan(vmi);
  assert.equal(p.createPod, undefined);
  assert.equal(p.status.phase, "Pending");
  assert.equal(condition(p, "Synchronized")?.reason, "FailedPvcNotFound");
  assert.equal(condition(p, "PodScheduled")?.reason, "Unschedulable");
  const found = plan(vmi, [], {
    volumes: { claim: () => ({ status: { phase: "Bound" } }), dataVolume: () => undefined },
  });
  assert.ok(found.createPod);
});

Deno.test("planVmi() reports a pod it could not create in Synchronized and stays Pending", () => {
  const p = plan(vmiFixture(""), [], { podCreateError: "Cannot create: quota exceeded" });
  assert.equal(p.createPod, undefined);
  assert.equal(p.status.phase, "Pending");
  assert.equal(condition(p, "Synchronized")?.reason, "FailedCreate");
});

Deno.test("planVmi() reports a VMI without memory size instead of creating a pod", () => {
  const p = plan(vmiFixture("", (v) => delete v.spec.domain.memory));
  assert.equal(p.createPod, undefined);
  assert.match(condition(p, "Synchronized")?.message ?? "", /must be set/);
});

Deno.test("planVmi() switches a live-migrated VMI to its target node, never before completion", () => {
  const record = {
    migrationUid: "m1",
    sourceNode: "node-a",
    targetNode: "node-b",
    targetPod: "virt-launcher-web-target",
  };
  const running = (state: Record<string, unknown>) =>
    vmiFixture("Running", (v) => {
      v.status!.nodeName = "node-a";
      v.status!.migrationState = state;
      v.metadata.labels = { ...v.metadata.labels, "kubevirt.io/nodeName": "node-a" };
    });
  const target = boundPod("node-b", (p) => {
    p.metadata!.name = "virt-launcher-web-target";
    p.metadata!.uid = "target-uid";
    p.metadata!.labels = { ...p.metadata!.labels, "kubevirt.io/migrationJobUID": "m1" };
  });
  const pods = [boundPod("node-a"), target];
  const done = plan(running({ ...record, completed: true }), pods);
  assert.equal(done.status.nodeName, "node-b");
  assert.equal(done.labels?.["kubevirt.io/nodeName"], "node-b");
  assert.deepEqual(done.deletePods, [], "the migration controller deletes the source pod");
  assert.deepEqual(done.status.activePods, {
    [boundPod().metadata!.uid!]: "node-a",
    "target-uid": "node-b",
  });
  for (const state of [record, { ...record, completed: true, failed: true }]) {
    const p = plan(running(state), pods);
    assert.equal(p.status.nodeName, "node-a", JSON.stringify(state));
    assert.equal(p.labels, undefined);
    assert.deepEqual(p.deletePods, [], "the target pod is no second pod to delete");
  }
});

Deno.test("planVmi() writes DataVolumesReady from the VMI's DataVolumes until the handover", () => {
  const vmi = vmiFixture("", (v) => {
    v.spec.volumes = [{ name: "root", dataVolume: { name: "root-dv" } }];
  });
  const dataVolume = (phase: string, ready: "True" | "False") => ({
    dataVolume: () => ({ status: { phase, conditions: [{ type: "Ready", status: ready }] } }),
    claim: () => ({ status: { phase: "Bound" } }),
  });
  const importing = plan(vmi, [], { volumes: dataVolume("ImportInProgress", "False") });
  assert.equal(condition(importing, "DataVolumesReady")?.reason, "NotAllDVsReady");
  assert.equal(importing.createPod, undefined, "the pod waits for the import");
  const ready = plan(vmi, [], { volumes: dataVolume("Succeeded", "True") });
  assert.equal(condition(ready, "DataVolumesReady")?.status, "True");
  assert.equal(condition(ready, "DataVolumesReady")?.reason, "AllDVsReady");
  assert.equal(condition(plan(vmiFixture("")), "DataVolumesReady"), undefined, "no DataVolume");
});
