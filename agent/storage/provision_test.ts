import assert from "node:assert/strict";
import type { PersistentVolumeClaim } from "../../api/mod.ts";
import {
  LOCAL_PROVISIONER,
  PROVISIONED_BY,
  SELECTED_NODE,
  STORAGE_PROVISIONER,
} from "../../api/storage_annotations.ts";
import {
  isMineToProvision,
  localPvFor,
  provisionDecision,
  type ProvisionInputs,
} from "./provision.ts";
import { localClass, NODE, pendingClaim, VOLUMES_DIR } from "./testdata.ts";

const GI = 1024n ** 3n;

Deno.test("isMineToProvision() needs Pending, no volume, our provisioner and this node", () => {
  const deleting = pendingClaim();
  deleting.metadata!.deletionTimestamp = "2025-01-01T00:00:00Z";
  const bound = pendingClaim();
  bound.spec!.volumeName = "pvc-x";
  const lost = pendingClaim();
  lost.status = { phase: "Lost" };
  const cases: Array<[string, PersistentVolumeClaim, boolean]> = [
    ["a pending claim selected for this node", pendingClaim(), true],
    ["no status yet", { ...pendingClaim(), status: {} }, true],
    ["another node", pendingClaim({ annotations: { [SELECTED_NODE]: "edge-2" } }), false],
    ["no selected node", pendingClaim({ annotations: { [SELECTED_NODE]: "" } }), false],
    [
      "another provisioner",
      pendingClaim({ annotations: { [STORAGE_PROVISIONER]: "ebs.csi.aws.com" } }),
      false,
    ],
    ["a volume named", bound, false],
    ["being deleted", deleting, false],
    ["Lost", lost, false],
  ];
  for (const [name, pvc, expected] of cases) {
    assert.equal(isMineToProvision(pvc, NODE), expected, name);
  }
});

Deno.test("provisionDecision() provisions, refuses, waits or ignores", () => {
  const base: ProvisionInputs = {
    pvc: pendingClaim(),
    node: NODE,
    volumesDir: VOLUMES_DIR,
    storageClass: localClass,
    existingPv: undefined,
    capacity: 10n * GI,
    allocated: 0n,
  };
  const cases: Array<[string, Partial<ProvisionInputs>, string, boolean?]> = [
    ["a claim that fits", {}, "provision"],
    ["a claim that fits exactly", { allocated: 9n * GI }, "provision"],
    ["a claim that does not fit", { allocated: 9n * GI + 1n }, "refuse", true],
    ["a Block claim", { pvc: pendingClaim({ volumeMode: "Block" }) }, "refuse", false],
    ["no storage request", { pvc: pendingClaim({ storage: "" }) }, "refuse", false],
    ["no class yet", { storageClass: undefined }, "waitForClass"],
    [
      "a class of another provisioner",
      { storageClass: { ...localClass, provisioner: "other.io/x" } },
      "ignore",
    ],
    ["a PV made already", { existingPv: { metadata: { name: "pvc-0000-1111" } } }, "exists"],
    ["another node's claim", { node: "edge-2" }, "ignore"],
  ];
  for (const [name, changes, action, unselect] of cases) {
    const decision = provisionDecision({ ...base, ...changes });
    assert.equal(decision.action, action, name);
    if (decision.action === "refuse") assert.equal(decision.unselect, unselect, name);
  }
  const block = provisionDecision({ ...base, pvc: pendingClaim({ volumeMode: "Block" }) });
  assert.deepEqual(block, {
    action: "refuse",
    message: "volumeMode Block is not supported by denovirt-local",
    unselect: false,
  });
});

Deno.test("localPvFor() makes a local PV bound to the claim and pinned to the node", () => {
  const pvc = pendingClaim({ storage: "5Gi" });
  pvc.spec!.accessModes = ["ReadWriteOnce", "ReadOnlyMany"];
  const pv = localPvFor(pvc, { ...localClass, reclaimPolicy: "Retain" }, NODE, "/d/pvc-0000-1111");
  assert.deepEqual(pv, {
    apiVersion: "v1",
    kind: "PersistentVolume",
    metadata: { name: "pvc-0000-1111", annotations: { [PROVISIONED_BY]: LOCAL_PROVISIONER } },
    spec: {
      capacity: { storage: "5Gi" },
      accessModes: ["ReadWriteOnce", "ReadOnlyMany"],
      volumeMode: "Filesystem",
      storageClassName: "denovirt-local",
      persistentVolumeReclaimPolicy: "Retain",
      claimRef: {
        apiVersion: "v1",
        kind: "PersistentVolumeClaim",
        namespace: "default",
        name: "disk",
        uid: "0000-1111",
      },
      local: { path: "/d/pvc-0000-1111" },
      nodeAffinity: {
        required: {
          nodeSelectorTerms: [{
            matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: [NODE] }],
          }],
        },
      },
    },
  });
  assert.equal(
    localPvFor(pvc, localClass, NODE, "/d").spec?.persistentVolumeReclaimPolicy,
    "Delete",
  );
});
