import assert from "node:assert/strict";
import type { PersistentVolume } from "../../api/mod.ts";
import { PROVISIONED_BY } from "../../api/storage_annotations.ts";
import { deletionOf } from "./deleter.ts";
import { boundClaim, NODE, VOLUMES_DIR } from "./testdata.ts";

Deno.test("deletionOf() deletes only this node's released local PVs with reclaim Delete", () => {
  const released = boundClaim({ pvPhase: "Released" }).pv;
  const edit = (change: (pv: PersistentVolume) => void): PersistentVolume => {
    const pv = structuredClone(released);
    change(pv);
    return pv;
  };
  const cases: Array<[string, PersistentVolume, boolean]> = [
    ["released, ours", released, true],
    ["still bound", boundClaim().pv, false],
    ["available", boundClaim({ pvPhase: "Available" }).pv, false],
    ["another node's", boundClaim({ pvPhase: "Released", node: "edge-2" }).pv, false],
    ["reclaim Retain", edit((pv) => pv.spec!.persistentVolumeReclaimPolicy = "Retain"), false],
    ["no reclaim policy", edit((pv) => delete pv.spec!.persistentVolumeReclaimPolicy), false],
    ["another provisioner", edit((pv) => pv.metadata!.annotations![PROVISIONED_BY] = "x"), false],
    ["the volumes dir itself", edit((pv) => pv.spec!.local!.path = VOLUMES_DIR), false],
    ["a path outside", edit((pv) => pv.spec!.local!.path = "/var/lib/denovirt/vmis"), false],
    ["a path that climbs out", edit((pv) => pv.spec!.local!.path = `${VOLUMES_DIR}/../x`), false],
    ["no local path", edit((pv) => delete pv.spec!.local), false],
  ];
  for (const [name, pv, expected] of cases) {
    assert.equal(deletionOf(pv, NODE, VOLUMES_DIR) !== undefined, expected, name);
  }
  assert.deepEqual(deletionOf(released, NODE, VOLUMES_DIR), {
    pvName: "pvc-0000-1111",
    dir: `${VOLUMES_DIR}/pvc-0000-1111`,
    claimKey: "default/disk",
    claimUid: "0000-1111",
  });
});
