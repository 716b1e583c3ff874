import assert from "node:assert/strict";
import {
  ANN_NODE_STORAGE_ALLOCATED,
  ANN_NODE_STORAGE_CAPACITY,
  type NodeObject,
  type PersistentVolumeClaim,
  SELECTED_NODE,
  type StorageClass,
} from "../../api/mod.ts";
import { hotplugConsumerNode, needsPlacement, placeClaim, requestedBytes } from "./placement.ts";
import type { VirtualMachineInstance } from "../../api/mod.ts";

const IMMEDIATE_BINDING = "cdi.kubevirt.io/storage.bind.immediate.requested";

const immediate: StorageClass = {
  metadata: { name: "denovirt-local-immediate" },
  provisioner: "denovirt.io/local",
  volumeBindingMode: "Immediate",
};

function claim(edit: (c: PersistentVolumeClaim) => void = () => {}): PersistentVolumeClaim {
  const c: PersistentVolumeClaim = {
    metadata: {
      name: "disk",
      namespace: "default",
      annotations: { "volume.kubernetes.io/storage-provisioner": "denovirt.io/local" },
    },
    spec: {
      storageClassName: immediate.metadata?.name,
      resources: { requests: { storage: "1Gi" } },
    },
    status: { phase: "Pending" },
  };
  edit(c);
  return c;
}

function node(name: string, capacity?: number, allocated = 0, ready = true): NodeObject {
  return {
    metadata: {
      name,
      labels: { "kubevirt.io/schedulable": "true" },
      annotations: capacity === undefined ? {} : {
        [ANN_NODE_STORAGE_CAPACITY]: String(capacity),
        [ANN_NODE_STORAGE_ALLOCATED]: String(allocated),
      },
    },
    status: { conditions: [{ type: "Ready", status: ready ? "True" : "False" }] },
  };
}

Deno.test("needsPlacement() takes pending Immediate denovirt-local claims without a node only", () => {
  assert.equal(needsPlacement(claim(), immediate), true);
  assert.equal(needsPlacement(claim(), { ...immediate, volumeBindingMode: undefined }), true);
  const wffc = { ...immediate, volumeBindingMode: "WaitForFirstConsumer" };
  assert.equal(needsPlacement(claim(), wffc), false, "kube-scheduler places those");
  assert.equal(needsPlacement(claim(), { ...immediate, provisioner: "other.io/x" }), false);
  assert.equal(needsPlacement(claim(), undefined), false);
  assert.equal(
    needsPlacement(claim((c) => (c.metadata!.annotations![SELECTED_NODE] = "n1")), immediate),
    false,
  );
  assert.equal(needsPlacement(claim((c) => (c.spec!.volumeName = "pv")), immediate), false);
  const unmarked = claim((c) => (c.metadata!.annotations = {}));
  assert.equal(
    needsPlacement(unmarked, immediate),
    false,
    "kube-controller-manager marks it first",
  );
  assert.equal(needsPlacement(claim((c) => (c.status = { phase: "Bound" })), immediate), false);
});

Deno.test("needsPlacement() takes WaitForFirstConsumer claims that ask for immediate binding", () => {
  const wffc: StorageClass = { ...immediate, volumeBindingMode: "WaitForFirstConsumer" };
  const asking = (value: string, annotations: Record<string, string> = {}) =>
    claim((c) => (c.metadata!.annotations = { ...annotations, [IMMEDIATE_BINDING]: value }));
  assert.equal(needsPlacement(asking("true"), wffc), true, "not marked by kcm before a node");
  assert.equal(needsPlacement(asking(""), wffc), true, "any value, as CDI");
  assert.equal(needsPlacement(asking("true", { [SELECTED_NODE]: "n1" }), wffc), false);
  assert.equal(needsPlacement(asking("true"), { ...wffc, provisioner: "other.io/x" }), false);
  assert.equal(
    needsPlacement(claim((c) => (c.metadata!.annotations = {})), wffc),
    false,
    "without the annotation kube-scheduler places it with its first consumer",
  );
  const immediateUnmarked = asking("true");
  assert.equal(needsPlacement(immediateUnmarked, immediate), false, "Immediate: kcm marks first");
});

Deno.test("requestedBytes() reads the claim's storage request", () => {
  assert.equal(requestedBytes(claim()), 1n << 30n);
  assert.equal(requestedBytes(claim((c) => delete c.spec!.resources)), undefined);
  assert.equal(
    requestedBytes(claim((c) => (c.spec!.resources!.requests!.storage = "x"))),
    undefined,
  );
});

Deno.test("placeClaim() picks the ready node with the most free local storage that fits", () => {
  const gib = 1 << 30;
  const nodes = [
    node("small", 2 * gib, gib),
    node("big", 10 * gib, gib),
    node("down", 100 * gib, 0, false),
    node("no-agent"),
  ];
  assert.deepEqual(placeClaim(BigInt(gib), nodes), { node: "big" });
  assert.deepEqual(placeClaim(BigInt(gib), [node("b", gib), node("a", gib)]), { node: "a" });
  const tooBig = placeClaim(20n * BigInt(gib), nodes);
  assert.ok("none" in tooBig && tooBig.none.includes("the most is 9663676416 on big"));
  const none = placeClaim(1n, [node("no-agent")]);
  assert.ok("none" in none && none.none.includes("reports local storage"));
});

Deno.test("hotplugConsumerNode() places a WaitForFirstConsumer claim on the node of the VMI it is hotplugged into", () => {
  const wffc: StorageClass = { ...immediate, volumeBindingMode: "WaitForFirstConsumer" };
  const vmi = (
    volume: object,
    status: object = { phase: "Running", nodeName: "n2" },
    namespace = "default",
  ) =>
    ({
      metadata: { name: "vm", namespace },
      spec: { domain: { devices: {} }, volumes: [volume] },
      status,
    }) as unknown as VirtualMachineInstance;
  const hotDv = { name: "d", dataVolume: { name: "disk", hotpluggable: true } };
  const hotPvc = { name: "d", persistentVolumeClaim: { claimName: "disk", hotpluggable: true } };
  const unmarked = claim((c) => (c.metadata!.annotations = {}));
  const cases: [
    string,
    PersistentVolumeClaim,
    StorageClass,
    VirtualMachineInstance[],
    string | undefined,
  ][] = [
    ["a hotplugged DataVolume's claim", unmarked, wffc, [vmi(hotDv)], "n2"],
    ["a hotplugged PVC", unmarked, wffc, [vmi(hotPvc)], "n2"],
    [
      "not hotplugged",
      unmarked,
      wffc,
      [vmi({ ...hotDv, dataVolume: { name: "disk" } })],
      undefined,
    ],
    ["another namespace", unmarked, wffc, [vmi(hotDv, undefined, "other")], undefined],
    ["a VMI not on a node yet", unmarked, wffc, [vmi(hotDv, { phase: "Pending" })], undefined],
    ["an Immediate class", unmarked, immediate, [vmi(hotDv)], undefined],
    [
      "placed already",
      claim((c) => (c.metadata!.annotations = { [SELECTED_NODE]: "n1" })),
      wffc,
      [vmi(hotDv)],
      undefined,
    ],
    ["bound", claim((c) => (c.status = { phase: "Bound" })), wffc, [vmi(hotDv)], undefined],
  ];
  for (const [what, c, storageClass, vmis, expected] of cases) {
    assert.equal(hotplugConsumerNode(c, storageClass, vmis), expected, what);
  }
});
