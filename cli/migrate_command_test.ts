import assert from "node:assert/strict";
import { nodeSelectorOf } from "./migrate_command.ts";

Deno.test("nodeSelectorOf() reads virtctl's key=value,key2=value2 and refuses a pair without =", () => {
  assert.deepEqual(nodeSelectorOf("zone=b, disk=ssd"), { zone: "b", disk: "ssd" });
  assert.deepEqual(nodeSelectorOf("a=x=y"), { a: "x=y" });
  assert.throws(() => nodeSelectorOf("zone"), /key=value pairs, got "zone"/);
});
