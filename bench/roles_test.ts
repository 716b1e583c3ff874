import assert from "node:assert/strict";
import { rolesMissingFromStack } from "./roles.ts";

Deno.test("rolesMissingFromStack() names the bench's roles the stack does not start", () => {
  assert.deepEqual(rolesMissingFromStack(["webhooks"]), ["controllers", "agent"]);
  assert.deepEqual(rolesMissingFromStack(["webhooks", "controllers", "agent"]), []);
});
