import assert from "node:assert/strict";
import { treeOf } from "./node_process_tree.ts";

Deno.test("treeOf: the roots and all their descendants, once each, nothing else", () => {
  const children = new Map([[10, [11, 12]], [12, [13]], [20, [21]], [13, [10]]]);
  assert.deepEqual(treeOf([10], children).sort(), [10, 11, 12, 13]);
  assert.deepEqual(treeOf([], children), []);
});
