import assert from "node:assert/strict";
import { atPace, forEachLimited, pollUntil, sleep } from "./pace.ts";

Deno.test("atPace() starts tasks on schedule without waiting for slow ones", async () => {
  const startedAt: number[] = [];
  let firstDone = Infinity;
  const t0 = performance.now();
  const results = await atPace(4, 20, async (i) => {
    startedAt.push(performance.now() - t0);
    await sleep(300);
    if (i === 0) firstDone = performance.now() - t0;
    return i * 2;
  });
  assert.deepEqual(results.map((r) => r.status === "fulfilled" && r.value), [0, 2, 4, 6]);
  // The fourth task is due at 60 ms: not before, and before the first (300 ms) finished.
  assert.ok(startedAt[3]! >= 55, `started at ${startedAt[3]}`);
  assert.ok(startedAt[3]! < firstDone, `started at ${startedAt[3]}, first done at ${firstDone}`);
});

Deno.test("atPace() reports a failed task and still runs the rest", async () => {
  const results = await atPace(
    3,
    0,
    (i) => i === 1 ? Promise.reject(new Error("no")) : Promise.resolve(i),
  );
  assert.deepEqual(results.map((r) => r.status), ["fulfilled", "rejected", "fulfilled"]);
});

Deno.test("pollUntil() answers true once the check holds and false at the deadline", async () => {
  let calls = 0;
  assert.equal(await pollUntil(() => ++calls >= 3, 1_000, 1), true);
  assert.equal(calls, 3);
  assert.equal(await pollUntil(() => false, 30, 5), false);
});

Deno.test("forEachLimited() caps the calls in flight and collects failures", async () => {
  let inFlight = 0;
  let peak = 0;
  const seen: number[] = [];
  const failures = await forEachLimited([1, 2, 3, 4, 5, 6, 7], 3, async (item) => {
    inFlight++;
    peak = Math.max(peak, inFlight);
    await sleep(5);
    inFlight--;
    seen.push(item);
    if (item === 4) throw new Error("four");
  });
  assert.equal(peak, 3);
  assert.deepEqual(seen.sort(), [1, 2, 3, 4, 5, 6, 7]);
  assert.equal(failures.length, 1);
});
