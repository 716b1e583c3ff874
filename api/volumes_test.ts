import assert from "node:assert/strict";
import { claimNamesOf, dataVolumeNamesOf } from "./volumes.ts";

Deno.test("claimNamesOf() finds claims of persistentVolumeClaim, ephemeral and dataVolume", () => {
  const volumes = [
    { name: "a", persistentVolumeClaim: { claimName: "pvc-a" } },
    { name: "b", ephemeral: { persistentVolumeClaim: { claimName: "pvc-b" } } },
    { name: "c", dataVolume: { name: "dv-c" } },
    { name: "d", emptyDisk: { capacity: "1Gi" } },
  ];
  assert.deepEqual(claimNamesOf(volumes), ["pvc-a", "pvc-b", "dv-c"]);
  assert.deepEqual(dataVolumeNamesOf(volumes), ["dv-c"]);
  assert.deepEqual(claimNamesOf(undefined), []);
});
