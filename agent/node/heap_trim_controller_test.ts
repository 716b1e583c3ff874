import assert from "node:assert/strict";
import type { ReconcileContext } from "../../lib/controller.ts";
import { heapTrimController } from "./heap_trim_controller.ts";

Deno.test("heapTrimController() trims on its node's key and asks to run again after its period", async () => {
  let trims = 0;
  const controller = heapTrimController("node-a", () => Promise.resolve(void trims++), 7_000);
  assert.deepEqual(controller.seedKeys?.(), ["node-a"]);
  const result = await controller.reconcile("node-a", {} as ReconcileContext);
  assert.equal(trims, 1);
  assert.deepEqual(result, { requeueAfterMs: 7_000 });
});

Deno.test("heapTrimController() takes no key from Node changes", () => {
  const controller = heapTrimController("node-a", () => Promise.resolve());
  assert.equal(controller.keyOf?.({ metadata: { name: "node-a" } }), undefined);
});
