import assert from "node:assert/strict";
import { isFinished, isOnNode } from "./phases.ts";

Deno.test("isFinished() is true for Succeeded and Failed only", () => {
  for (const phase of ["Succeeded", "Failed"]) assert.equal(isFinished(phase), true, phase);
  for (const phase of [undefined, "", "Pending", "Scheduling", "Scheduled", "Running", "Unknown"]) {
    assert.equal(isFinished(phase), false, String(phase));
  }
});

Deno.test("isOnNode() is true for Scheduled and Running only", () => {
  assert.deepEqual(
    ["Pending", "Scheduling", "Scheduled", "Running", "Succeeded"].filter(isOnNode),
    ["Scheduled", "Running"],
  );
});
