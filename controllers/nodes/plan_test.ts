import assert from "node:assert/strict";
import { AGENT_FINALIZER, type Pod, type VirtualMachineInstance, type VMI } from "../../api/mod.ts";
import { planNodeLoss } from "./plan.ts";

const NOW = Date.parse("2030-01-01T00:01:00Z");

function vmi(
  name: string,
  status: VirtualMachineInstance["status"],
  meta: Partial<VirtualMachineInstance["metadata"]> = {},
): VMI {
  return {
    apiVersion: "kubevirt.io/v1",
    kind: "VirtualMachineInstance",
    metadata: { namespace: "ns", name, uid: `uid-${name}`, ...meta },
    spec: { domain: { devices: {} } },
    status,
  } as VMI;
}

const pod = (name: string, node: string): Pod =>
  ({ metadata: { namespace: "ns", name, uid: `pod-${name}` }, spec: { nodeName: node } }) as Pod;

const running = (node: string): VirtualMachineInstance["status"] => ({
  phase: "Running",
  nodeName: node,
  conditions: [
    { type: "Ready", status: "True", lastTransitionTime: "2030-01-01T00:00:00Z" },
    { type: "Paused", status: "True" },
  ],
  phaseTransitionTimestamps: [{
    phase: "Running",
    phaseTransitionTimestamp: "2030-01-01T00:00:00Z",
  }],
});

Deno.test("planNodeLoss() fails the node's unfinished VMIs with KubeVirt's NodeUnresponsive and Ready false", () => {
  const plan = planNodeLoss({
    node: "n2",
    vmis: [
      vmi("web", running("n2")),
      vmi("scheduled", { phase: "Scheduled", nodeName: "n2" }),
      vmi("done", { phase: "Succeeded", nodeName: "n2" }),
      vmi("failed", { phase: "Failed", nodeName: "n2", reason: "Crashed" }),
      vmi("elsewhere", running("n1")),
    ],
    pods: [],
    now: NOW,
  });
  assert.deepEqual(plan.fail.map((f) => f.vmi.metadata.name), ["web", "scheduled"]);
  const web = plan.fail[0]!.status;
  assert.equal(web.phase, "Failed");
  assert.equal(web.reason, "NodeUnresponsive");
  assert.deepEqual(web.conditions, [{
    type: "Ready",
    status: "False",
    reason: "NodeUnresponsive",
    message: "denovirt-agent on node n2 is not responsive, marking VMI as failed",
    lastTransitionTime: "2030-01-01T00:01:00Z",
  }]);
  assert.deepEqual(web.phaseTransitionTimestamps?.at(-1), {
    phase: "Failed",
    phaseTransitionTimestamp: "2030-01-01T00:01:00Z",
  });
  assert.equal(web.nodeName, "n2", "the node stays recorded");
});

Deno.test("planNodeLoss() deletes every launcher pod bound to the node and only those", () => {
  const plan = planNodeLoss({
    node: "n2",
    vmis: [],
    pods: [pod("a", "n2"), pod("b", "n1"), pod("c", "n2")],
    now: NOW,
  });
  assert.deepEqual(plan.deletePods.map((p) => p.metadata?.name), ["a", "c"]);
});

Deno.test("planNodeLoss() removes the agent's finalizer only from the node's VMIs being deleted", () => {
  const deleting = { deletionTimestamp: "2030-01-01T00:00:30Z" };
  const plan = planNodeLoss({
    node: "n2",
    vmis: [
      vmi("gone", { phase: "Failed", nodeName: "n2" }, {
        ...deleting,
        finalizers: [AGENT_FINALIZER, "foregroundDeleteVirtualMachine"],
      }),
      vmi("kept", { phase: "Failed", nodeName: "n2" }, { finalizers: [AGENT_FINALIZER] }),
      vmi("released", { phase: "Failed", nodeName: "n2" }, { ...deleting, finalizers: [] }),
      vmi("other", { phase: "Running", nodeName: "n1" }, {
        ...deleting,
        finalizers: [AGENT_FINALIZER],
      }),
    ],
    pods: [],
    now: NOW,
  });
  assert.deepEqual(plan.releaseFinalizer.map((v) => v.metadata.name), ["gone"]);
  assert.deepEqual(plan.fail, []);
});
