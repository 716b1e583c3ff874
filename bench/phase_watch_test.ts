import assert from "node:assert/strict";
import { stagesOf } from "./phase_watch.ts";

Deno.test("stagesOf() counts a Running VMI as Scheduled too, and anything else as Created", () => {
  assert.deepEqual(stagesOf("Running"), ["Created", "Scheduled", "Running"]);
  assert.deepEqual(stagesOf("Scheduled"), ["Created", "Scheduled"]);
  assert.deepEqual(stagesOf("Scheduling"), ["Created"]);
  assert.deepEqual(stagesOf(undefined), ["Created"]);
});
