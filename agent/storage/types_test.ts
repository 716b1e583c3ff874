import assert from "node:assert/strict";
import type { PersistentVolume } from "../../api/mod.ts";
import { PROVISIONED_BY } from "../../api/storage_annotations.ts";
import { boundClaim, NODE, VOLUMES_DIR } from "./testdata.ts";
import { claimKeyOfPv, isStrictlyUnder, localDirOf, pvNodeOf } from "./types.ts";

Deno.test("isStrictlyUnder() accepts only paths below the directory", () => {
  const cases: Array<[string, boolean]> = [
    ["/v/volumes/pvc-1", true],
    ["/v/volumes/pvc-1/", true],
    ["/v/volumes/a/b", true],
    ["/v/volumes", false],
    ["/v/volumes/", false],
    ["/v/volumes/..", false],
    ["/v/volumes/../etc", false],
    ["/v/volumes/./x", false],
    ["/v/volumes//x", false],
    ["/v/volumesx/pvc-1", false],
    ["/etc/passwd", false],
    ["volumes/pvc-1", false],
  ];
  for (const [path, expected] of cases) {
    assert.equal(isStrictlyUnder("/v/volumes", path), expected, path);
  }
});

Deno.test("pvNodeOf() reads a single hostname In term", () => {
  const { pv } = boundClaim();
  assert.equal(pvNodeOf(pv), NODE);
  const twoNodes: PersistentVolume = {
    spec: {
      nodeAffinity: {
        required: {
          nodeSelectorTerms: [{
            matchExpressions: [{
              key: "kubernetes.io/hostname",
              operator: "In",
              values: ["a", "b"],
            }],
          }],
        },
      },
    },
  };
  assert.equal(pvNodeOf(twoNodes), undefined);
  assert.equal(pvNodeOf({ spec: {} }), undefined);
});

Deno.test("localDirOf() needs our annotation, this node, and a path under the volumes dir", () => {
  const { pv } = boundClaim();
  assert.equal(localDirOf(pv, NODE, VOLUMES_DIR), `${VOLUMES_DIR}/pvc-0000-1111`);
  assert.equal(localDirOf(pv, "other", VOLUMES_DIR), undefined);
  const foreign = structuredClone(pv);
  foreign.metadata!.annotations![PROVISIONED_BY] = "rancher.io/local-path";
  assert.equal(localDirOf(foreign, NODE, VOLUMES_DIR), undefined);
  const outside = structuredClone(pv);
  outside.spec!.local!.path = "/var/lib/denovirt/volumes/../vmis";
  assert.equal(localDirOf(outside, NODE, VOLUMES_DIR), undefined);
  assert.equal(claimKeyOfPv(pv), "default/disk");
});
