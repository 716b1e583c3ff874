import assert from "node:assert/strict";
import { parseCondition } from "./admission_tail.ts";

Deno.test("parseCondition() reads the protocol and the nice value of a load generator", () => {
  assert.deepEqual(parseCondition("h1"), { http2: false, nice: 0 });
  assert.deepEqual(parseCondition("h2"), { http2: true, nice: 0 });
  assert.deepEqual(parseCondition("h1-nice19"), { http2: false, nice: 19 });
  assert.deepEqual(parseCondition("h2-nice10"), { http2: true, nice: 10 });
});

Deno.test("parseCondition() refuses a condition it does not know, naming the flag", () => {
  assert.throws(() => parseCondition("h3"), /--conditions: unknown condition "h3"/);
  assert.throws(() => parseCondition("nice19"), /--conditions/);
});
