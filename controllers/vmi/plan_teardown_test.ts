import assert from "node:assert/strict";
import type { Pod, VMI } from "../../api/mod.ts";
import { NO_VOLUMES } from "../volumes.ts";
import { planVmi } from "./plan.ts";
import type { VmiObserved } from "./plan_types.ts";
import { boundPod, NOW, podFixture, vmiFixture } from "./testdata/fixtures.ts";

const LAUNCHER = { image: "registry.k8s.io/pause:3.10" };
const AGENT = "denovirt.io/agent-teardown";
const VM_FIN = "kubevirt.io/virtualMachineControllerFinalize";

function plan(vmi: VMI, pods: Pod[] = [], more: Partial<VmiObserved> = {}) {
  return planVmi({ vmi, pods, ownerVmExists: true, volumes: NO_VOLUMES, ...more }, LAUNCHER, NOW);
}

Deno.test("planVmi() lets the agent stop the guest of a VMI on a node whose pod is being deleted", () => {
  const deadline = new Date(NOW + 30_000).toISOString();
  const terminating = [boundPod("node-a", (p) => p.metadata!.deletionTimestamp = deadline)];
  for (const phase of ["Scheduled", "Running"] as const) {
    const p = plan(vmiFixture(phase, (v) => v.status!.nodeName = "node-a"), terminating);
    assert.equal(p.status.phase, phase, "the agent stops the guest and ends the VMI");
    assert.deepEqual(p.deletePods, []);
  }
  const scheduling = plan(vmiFixture("Scheduling"), terminating);
  assert.equal(scheduling.status.phase, "Failed", "no guest yet: fail at once");
});

Deno.test("planVmi() keeps the pod of a deleted VMI until the agent stopped its guest", () => {
  const held = vmiFixture("Running", (v) => {
    v.status!.nodeName = "node-a";
    v.metadata.finalizers!.push(AGENT);
    v.metadata.deletionTimestamp = "x";
  });
  const p = plan(held, [boundPod()]);
  assert.deepEqual(p.deletePods, []);
  assert.equal(p.finalizers, undefined);
  assert.equal(p.status.phase, "Running");
});

Deno.test("planVmi() deletes the pod of an ended VMI at once: its guest is gone", () => {
  for (const deleting of [false, true]) {
    const ended = vmiFixture("Succeeded", (v) => {
      v.status!.nodeName = "node-a";
      v.metadata.finalizers!.push(AGENT); // The agent keeps it until the VMI is deleted.
      if (deleting) v.metadata.deletionTimestamp = "x";
    });
    const p = plan(ended, [boundPod()]);
    assert.equal(p.deletePods.length, 1, `deleting ${deleting}`);
    assert.deepEqual(plan(ended, []).finalizers, [VM_FIN, AGENT], "then its own finalizer goes");
  }
});

Deno.test("planVmi() tears down after the agent: pod first, then the finalizers", () => {
  const done = vmiFixture("Succeeded", (v) => {
    v.status!.nodeName = "node-a";
    v.metadata.deletionTimestamp = "x";
  });
  const withPod = plan(done, [boundPod()]);
  assert.deepEqual(withPod.deletePods.map((p) => p.metadata?.name), ["virt-launcher-web-abcde"]);
  assert.equal(withPod.finalizers, undefined, "the pod goes first");
  const podGone = plan(done, []);
  assert.deepEqual(podGone.finalizers, [VM_FIN], "the VM controller removes its own");
  assert.deepEqual(plan(done, [], { ownerVmExists: false }).finalizers, []);
});

Deno.test("planVmi() fails a deleted VMI that never reached a node, without waiting for an agent", () => {
  const vmi = vmiFixture("Scheduling", (v) => v.metadata.deletionTimestamp = "x");
  const p = plan(vmi, [podFixture()]);
  assert.equal(p.status.phase, "Failed");
  assert.deepEqual(p.deletePods.length, 1);
  assert.equal(p.finalizers, undefined, "the pod goes first");
  assert.deepEqual(plan(vmi, []).finalizers, [VM_FIN]);
});

Deno.test("planVmi() releases a deleted VMI on a node whose agent never took it", () => {
  const vmi = vmiFixture("Scheduled", (v) => {
    v.status!.nodeName = "node-a";
    v.metadata.deletionTimestamp = "x";
  });
  const p = plan(vmi, [boundPod("node-a")]);
  assert.equal(p.status.phase, "Scheduled", "the phase is the agent's");
  assert.equal(p.deletePods.length, 1);
  assert.deepEqual(plan(vmi, []).finalizers, [VM_FIN]);
});
