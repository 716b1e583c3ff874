import assert from "node:assert/strict";
import type { PersistentVolume, PersistentVolumeClaim } from "../../api/mod.ts";
import {
  ANN_ENDPOINT,
  ANN_POD_PHASE,
  ANN_RUNNING_MESSAGE,
  ANN_RUNNING_REASON,
} from "../../api/storage_annotations.ts";
import { type ClaimResolution, claimResolution } from "./resolver.ts";
import { boundClaim, NODE, pendingClaim, VOLUMES_DIR } from "./testdata.ts";

const GI = 1024n ** 3n;
const http = { [ANN_ENDPOINT]: "https://images.example/disk.img" };

Deno.test("claimResolution() says whether a VMI can use the claim on this node", () => {
  const dir = `${VOLUMES_DIR}/pvc-0000-1111`;
  const plain = boundClaim();
  const cases: Array<
    [string, PersistentVolumeClaim | undefined, PersistentVolume | undefined, ClaimResolution]
  > = [
    ["no claim", undefined, undefined, {
      kind: "retry",
      message: "claim default/disk does not exist",
    }],
    ["not bound", pendingClaim(), undefined, {
      kind: "retry",
      message: "claim default/disk is not bound yet",
    }],
    ["its PV not seen yet", plain.pvc, undefined, {
      kind: "retry",
      message: "claim default/disk is bound to volume pvc-0000-1111, not seen yet",
    }],
    ["another node's volume", plain.pvc, boundClaim({ node: "edge-2" }).pv, {
      kind: "terminal",
      message: "claim default/disk is bound to volume pvc-0000-1111 on node edge-2, " +
        "which is not a denovirt-local volume of node edge-1",
    }],
    ["a plain claim", plain.pvc, plain.pv, { kind: "ready", dir, capacityBytes: GI, plain: true }],
    ["an import not started", boundClaim({ annotations: http }).pvc, plain.pv, {
      kind: "retry",
      message: "claim default/disk is still being imported (phase Pending)",
    }],
    [
      "an import running",
      boundClaim({ annotations: { ...http, [ANN_POD_PHASE]: "Running" } }).pvc,
      plain.pv,
      { kind: "retry", message: "claim default/disk is still being imported (phase Running)" },
    ],
    [
      "an import that failed",
      boundClaim({
        annotations: {
          ...http,
          [ANN_POD_PHASE]: "Failed",
          [ANN_RUNNING_REASON]: "NotFound",
          [ANN_RUNNING_MESSAGE]: "Cannot download https://images.example/disk.img: 404",
        },
      }).pvc,
      plain.pv,
      {
        kind: "retry",
        message: "claim default/disk failed to import: " +
          "Cannot download https://images.example/disk.img: 404",
      },
    ],
    [
      "an import that succeeded",
      boundClaim({ annotations: { ...http, [ANN_POD_PHASE]: "Succeeded" } }).pvc,
      plain.pv,
      { kind: "ready", dir, capacityBytes: GI, plain: false },
    ],
  ];
  for (const [name, pvc, pv, expected] of cases) {
    assert.deepEqual(
      claimResolution("default", "disk", pvc, pv, NODE, VOLUMES_DIR),
      expected,
      name,
    );
  }
});
