import assert from "node:assert/strict";
import { countsOf } from "./counts.ts";

Deno.test("countsOf() reads deno test's summary line, with and without steps", () => {
  assert.deepEqual(countsOf("...\nok | 5 passed | 0 failed (2s)\n"), { passed: 5, failed: 0 });
  assert.deepEqual(countsOf("FAILED | 4 passed (7 steps) | 2 failed (1m)"), {
    passed: 4,
    failed: 2,
  });
});

Deno.test("countsOf() reports nothing when the run printed no summary", () => {
  assert.deepEqual(countsOf("error: Module not found"), { passed: 0, failed: 0 });
});
