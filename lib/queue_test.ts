import assert from "node:assert/strict";
import { sleep } from "./backoff.ts";
import { WorkQueue } from "./queue.ts";

/** A promise and its resolver, to hold a worker mid-flight. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => open = resolve);
  return { promise, open };
}

Deno.test("WorkQueue merges duplicate keys that are waiting", async () => {
  const queue = new WorkQueue({ concurrency: 1 });
  const seen: string[] = [];
  for (const key of ["a", "b", "a", "a", "b"]) queue.add(key);
  assert.equal(queue.length, 2);
  const done = queue.run((key) => Promise.resolve(void seen.push(key)));
  await sleep(10);
  await queue.shutDown();
  await done;
  assert.deepEqual(seen, ["a", "b"]);
});

Deno.test("WorkQueue merges duplicate keys while one is in flight and runs it once more after", async () => {
  const queue = new WorkQueue({ concurrency: 4 });
  const hold = gate();
  let running = 0;
  let maxRunning = 0;
  let runs = 0;
  const done = queue.run(async () => {
    running++;
    maxRunning = Math.max(maxRunning, running);
    runs++;
    if (runs === 1) await hold.promise;
    running--;
  });
  queue.add("a");
  await sleep(5);
  queue.add("a");
  queue.add("a");
  await sleep(5);
  assert.equal(runs, 1, "a second worker must not take a key in flight");
  hold.open();
  await sleep(10);
  assert.equal(runs, 2);
  assert.equal(maxRunning, 1);
  await queue.shutDown();
  await done;
});

Deno.test("WorkQueue runs up to `concurrency` different keys at once", async () => {
  const queue = new WorkQueue({ concurrency: 2 });
  const hold = gate();
  let running = 0;
  let maxRunning = 0;
  const done = queue.run(async () => {
    maxRunning = Math.max(maxRunning, ++running);
    await hold.promise;
    running--;
  });
  for (const key of ["a", "b", "c", "d"]) queue.add(key);
  await sleep(10);
  assert.equal(queue.inFlight, 2);
  assert.equal(queue.length, 2);
  hold.open();
  await sleep(10);
  assert.equal(maxRunning, 2);
  await queue.shutDown();
  await done;
});

Deno.test("WorkQueue addRateLimited() backs off exponentially within jitter bounds until forget()", () => {
  const low = new WorkQueue({ backoff: { baseMs: 10, maxMs: 100, jitter: 0.2 }, random: () => 0 });
  const high = new WorkQueue({ backoff: { baseMs: 10, maxMs: 100, jitter: 0.2 }, random: () => 1 });
  const lows = [1, 2, 3, 4, 5].map(() => low.addRateLimited("k"));
  const highs = [1, 2, 3, 4, 5].map(() => high.addRateLimited("k"));
  assert.deepEqual(lows, [8, 16, 32, 64, 80]);
  assert.deepEqual(highs, [12, 24, 48, 96, 120]);
  assert.equal(low.failures("k"), 5);
  low.forget("k");
  assert.equal(low.failures("k"), 0);
  assert.equal(low.addRateLimited("k"), 8);
  low.shutDown();
  high.shutDown();
});

Deno.test("WorkQueue addAfter() delays a key and keeps the earliest of two delays", async () => {
  const queue = new WorkQueue();
  const seen: Array<[string, number]> = [];
  const started = Date.now();
  const done = queue.run((key) => Promise.resolve(void seen.push([key, Date.now() - started])));
  queue.addAfter("late", 60);
  queue.addAfter("late", 500);
  queue.addAfter("soon", 20);
  await sleep(30);
  assert.deepEqual(seen.map(([key]) => key), ["soon"]);
  await sleep(80);
  assert.deepEqual(seen.map(([key]) => key), ["soon", "late"]);
  assert.ok(seen[1]![1] >= 55 && seen[1]![1] < 400);
  await queue.shutDown();
  await done;
});

Deno.test("WorkQueue shutDown() lets in-flight work finish and drops waiting and delayed keys", async () => {
  const queue = new WorkQueue({ concurrency: 1 });
  const hold = gate();
  const seen: string[] = [];
  const done = queue.run(async (key) => {
    if (key === "a") await hold.promise;
    seen.push(key);
  });
  queue.add("a");
  queue.add("b");
  queue.addAfter("c", 5);
  await sleep(5);
  const drained = queue.shutDown();
  let finished = false;
  drained.then(() => finished = true);
  queue.add("d");
  await sleep(20);
  assert.equal(finished, false, "shutDown waits for the key in flight");
  hold.open();
  await drained;
  await done;
  assert.deepEqual(seen, ["a"]);
});

Deno.test("WorkQueue re-queues a key with backoff when the worker throws", async () => {
  const queue = new WorkQueue({ backoff: { baseMs: 5, maxMs: 5 } });
  let attempts = 0;
  const done = queue.run(() => {
    attempts++;
    return attempts < 3 ? Promise.reject(new Error("boom")) : Promise.resolve();
  });
  queue.add("k");
  await sleep(100);
  assert.equal(attempts, 3);
  await queue.shutDown();
  await done;
});
