import assert from "node:assert/strict";
import { throttledProgress } from "./progress.ts";
import type { ImportProgress } from "./types.ts";

Deno.test("throttledProgress() reports at once, then at most every 250 ms, then the final count", () => {
  const calls: ImportProgress[] = [];
  let now = 1000;
  const progress = throttledProgress((p) => calls.push(p), 100, () => now);
  progress.update(1);
  progress.update(2);
  now += 249;
  progress.update(3);
  now += 1;
  progress.update(4);
  progress.finish(100);
  progress.finish(100);
  progress.update(101);
  assert.deepEqual(calls.map((c) => c.bytes), [1, 4, 100]);
  assert.deepEqual(calls[0], { bytes: 1, totalBytes: 100 });
});

Deno.test("throttledProgress() leaves totalBytes out when unknown and copes without a callback", () => {
  const calls: ImportProgress[] = [];
  throttledProgress((p) => calls.push(p), undefined).finish(7);
  assert.deepEqual(calls, [{ bytes: 7 }]);
  throttledProgress(undefined, 1).finish(1);
});

Deno.test("throttledProgress() reports a held-back count once the interval passes", async () => {
  const reported = Promise.withResolvers<ImportProgress>();
  const calls: ImportProgress[] = [];
  const progress = throttledProgress((p) => {
    calls.push(p);
    if (calls.length === 2) reported.resolve(p);
  }, 100);
  progress.update(1);
  progress.update(2);
  progress.update(3); // then the transfer stalls: 3 must still be reported
  assert.deepEqual(await reported.promise, { bytes: 3, totalBytes: 100 });
  progress.finish(100);
  assert.deepEqual(calls.map((c) => c.bytes), [1, 3, 100]);
});
