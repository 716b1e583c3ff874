import assert from "node:assert/strict";
import { migrationStatePatch } from "./state_writes.ts";

Deno.test("migrationStatePatch() tests the record's uid, then sets the agent's own fields", () => {
  assert.deepEqual(migrationStatePatch("m1", { targetNodeAddress: "10.0.0.2" }), [
    { op: "test", path: "/status/migrationState/migrationUid", value: "m1" },
    { op: "add", path: "/status/migrationState/targetNodeAddress", value: "10.0.0.2" },
  ]);
  assert.equal(migrationStatePatch("m1", { completed: true, endTimestamp: "t" }).length, 3);
});

Deno.test("migrationStatePatch() refuses fields the controllers own", () => {
  assert.throws(() => migrationStatePatch("m1", { targetNode: "n" }), /does not own/);
  assert.throws(() => migrationStatePatch("m1", { abortRequested: true }), /does not own/);
});
