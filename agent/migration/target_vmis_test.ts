import assert from "node:assert/strict";
import type { VMI } from "../../api/mod.ts";
import { keptForTarget, migratesTo } from "./target_vmis.ts";

const vmi = (targetNode?: string) =>
  ({
    metadata: { namespace: "ns", name: "vm", uid: "u", resourceVersion: "3" },
    spec: { domain: { devices: {} } },
    status: targetNode
      ? { nodeName: "n1", migrationState: { migrationUid: "m", targetNode } }
      : { nodeName: "n1" },
  }) as unknown as VMI;

Deno.test("keptForTarget() keeps VMIs migrating to the node whole and stubs the others", () => {
  assert.equal(migratesTo(vmi("n2"), "n2"), true);
  assert.deepEqual(keptForTarget(vmi("n2"), "n2"), vmi("n2"));
  assert.deepEqual(keptForTarget(vmi("n3"), "n2"), {
    metadata: { namespace: "ns", name: "vm", uid: "u", resourceVersion: "3" },
  });
  assert.equal(migratesTo(vmi(), "n2"), false);
});
