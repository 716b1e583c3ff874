import assert from "node:assert/strict";
import { openLoop } from "./open_loop.ts";
import { sleep } from "./pace.ts";

Deno.test("openLoop() keeps its rate while answers are slow, and counts errors", async () => {
  let concurrent = 0;
  let peak = 0;
  const result = await openLoop(200, 0.25, async (i) => {
    concurrent++;
    peak = Math.max(peak, concurrent);
    await sleep(50);
    concurrent--;
    if (i === 3) throw new Error("refused");
    return i % 2 ? "odd" : "even";
  });
  assert.equal(result.byTag.odd?.length, 24); // Request 3 failed.
  assert.equal(result.byTag.even?.length, 25);
  assert.equal(result.sent, 50);
  assert.equal(result.errors, 1);
  assert.equal(result.latenciesMs.length, 49);
  assert.match(result.errorSamples[0]!, /refused/);
  // 50 ms answers at 5 ms spacing: several requests in flight at once, never one at a time.
  assert.ok(peak >= 3, `peak concurrency ${peak}`);
  assert.ok(result.elapsedS < 50 * 0.05, `took ${result.elapsedS} s: requests waited for answers`);
});
