import assert from "node:assert/strict";
import { mergePatchOf } from "./merge_patch.ts";

Deno.test("mergePatchOf() sets changed owned fields whole, nulls removed ones, ignores the rest", () => {
  const before = { phase: "Scheduled", conditions: [{ type: "Ready" }], nodeName: "n1", gone: 1 };
  const after = { phase: "Running", conditions: [{ type: "Ready" }], nodeName: "n2" };
  assert.deepEqual(mergePatchOf(before, after, ["phase", "conditions", "gone", "missing"]), {
    phase: "Running",
    gone: null,
  });
  assert.equal(mergePatchOf(before, before, ["phase", "conditions"]), undefined);
  assert.deepEqual(mergePatchOf(undefined, { a: [1] }, ["a"]), { a: [1] });
});

Deno.test("mergePatchOf() patches objects key by key, so that a merge patch removes dropped keys", () => {
  const before = { activePods: { "uid-1": "n1", "uid-2": "n1" }, machine: { type: "q35" } };
  const after = { activePods: { "uid-2": "n1", "uid-3": "n2" }, machine: { type: "q35" } };
  assert.deepEqual(mergePatchOf(before, after, ["activePods", "machine"]), {
    activePods: { "uid-1": null, "uid-3": "n2" },
  });
});
