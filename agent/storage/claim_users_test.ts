import assert from "node:assert/strict";
import type { Volume } from "../../api/mod.ts";
import { claimNamesOf, vmisUsingClaim } from "./claim_users.ts";

const vmi = (namespace: string, name: string, volumes: Volume[]) => ({
  metadata: { namespace, name },
  spec: { volumes },
});

Deno.test("claimNamesOf() finds claims of persistentVolumeClaim, ephemeral and dataVolume", () => {
  assert.deepEqual(
    claimNamesOf([
      { name: "a", persistentVolumeClaim: { claimName: "pvc-a" } },
      { name: "b", ephemeral: { persistentVolumeClaim: { claimName: "pvc-b" } } },
      { name: "c", dataVolume: { name: "dv-c" } },
      { name: "d", emptyDisk: { capacity: "1Gi" } },
    ]),
    ["pvc-a", "pvc-b", "dv-c"],
  );
  assert.deepEqual(claimNamesOf(undefined), []);
});

Deno.test("vmisUsingClaim() picks the VMIs of the namespace that use the claim", () => {
  const vmis = [
    vmi("default", "web", [{ name: "root", dataVolume: { name: "root-dv" } }]),
    vmi("other", "web", [{ name: "root", dataVolume: { name: "root-dv" } }]),
    vmi("default", "db", [{ name: "root", persistentVolumeClaim: { claimName: "db" } }]),
  ];
  assert.deepEqual(
    vmisUsingClaim(vmis, "default", "root-dv").map((v) => v.metadata.name),
    ["web"],
  );
  assert.deepEqual(vmisUsingClaim(vmis, "default", "nothing"), []);
});
