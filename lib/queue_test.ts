import assert from "node:assert/strict";
import { FakeClock } from "./clock.ts";
import { WorkQueue } from "./queue.ts";

/** A promise and its resolver, to hold a worker mid-flight. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => open = resolve);
  return { promise, open };
}

/** Resolves once `n` calls of `mark()` happened. */
function counter(n: number): { mark: () => void; reached: Promise<void> } {
  let seen = 0;
  const { promise, open } = gate();
  return { mark: () => void (++seen >= n && open()), reached: promise };
}

Deno.test("WorkQueue merges duplicate keys that are waiting", async () => {
  const queue = new WorkQueue({ concurrency: 1 });
  const seen: string[] = [];
  for (const key of ["a", "b", "a", "a", "b"]) queue.add(key);
  assert.equal(queue.length, 2);
  const done = queue.run((key) => Promise.resolve(void seen.push(key)));
  await queue.whenQuiet();
  await queue.shutDown();
  await done;
  assert.deepEqual(seen, ["a", "b"]);
});

Deno.test("WorkQueue merges duplicate keys while one is in flight and runs it once more after", async () => {
  const queue = new WorkQueue({ concurrency: 4 });
  const hold = gate();
  const started = counter(1);
  let running = 0;
  let maxRunning = 0;
  let runs = 0;
  const done = queue.run(async () => {
    running++;
    maxRunning = Math.max(maxRunning, running);
    runs++;
    started.mark();
    if (runs === 1) await hold.promise;
    running--;
  });
  queue.add("a");
  await started.reached;
  queue.add("a");
  queue.add("a");
  assert.equal(runs, 1, "a second worker must not take a key in flight");
  assert.equal(queue.length, 0, "the key waits as dirty, not as a second pending entry");
  hold.open();
  await queue.whenQuiet();
  assert.equal(runs, 2);
  assert.equal(maxRunning, 1);
  await queue.shutDown();
  await done;
});

Deno.test("WorkQueue runs up to `concurrency` different keys at once", async () => {
  const queue = new WorkQueue({ concurrency: 2 });
  const hold = gate();
  const started = counter(2);
  let running = 0;
  let maxRunning = 0;
  const done = queue.run(async () => {
    maxRunning = Math.max(maxRunning, ++running);
    started.mark();
    await hold.promise;
    running--;
  });
  for (const key of ["a", "b", "c", "d"]) queue.add(key);
  await started.reached;
  assert.equal(queue.inFlight, 2);
  assert.equal(queue.length, 2);
  hold.open();
  await queue.whenQuiet();
  assert.equal(maxRunning, 2);
  await queue.shutDown();
  await done;
});

Deno.test("WorkQueue addRateLimited() backs off exponentially within jitter bounds until forget()", () => {
  const clock = new FakeClock();
  const opts = { backoff: { baseMs: 10, maxMs: 100, jitter: 0.2 }, clock };
  const low = new WorkQueue({ ...opts, random: () => 0 });
  const high = new WorkQueue({ ...opts, random: () => 1 });
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
  const clock = new FakeClock();
  const queue = new WorkQueue({ clock });
  const seen: Array<[string, number]> = [];
  const start = clock.now();
  const done = queue.run((key) => Promise.resolve(void seen.push([key, clock.now() - start])));
  queue.addAfter("late", 60);
  queue.addAfter("late", 500);
  queue.addAfter("soon", 20);
  assert.equal(queue.delayed, 2);
  clock.advance(30);
  await queue.whenQuiet();
  assert.deepEqual(seen, [["soon", 20]]);
  clock.advance(30);
  await queue.whenQuiet();
  assert.deepEqual(seen, [["soon", 20], ["late", 60]]);
  clock.advance(1_000);
  await queue.whenQuiet();
  assert.equal(seen.length, 2, "the later delay of the same key was dropped");
  await queue.shutDown();
  await done;
});

Deno.test("WorkQueue shutDown() lets in-flight work finish and drops waiting and delayed keys", async () => {
  const clock = new FakeClock();
  const queue = new WorkQueue({ concurrency: 1, clock });
  const hold = gate();
  const started = counter(1);
  const seen: string[] = [];
  const done = queue.run(async (key) => {
    started.mark();
    if (key === "a") await hold.promise;
    seen.push(key);
  });
  queue.add("a");
  queue.add("b");
  queue.addAfter("c", 5);
  await started.reached;
  const drained = queue.shutDown();
  let finished = false;
  drained.then(() => finished = true);
  queue.add("d");
  clock.advance(10);
  await Promise.resolve();
  assert.equal(finished, false, "shutDown waits for the key in flight");
  assert.equal(clock.pending, 0, "the delayed key's timer was cancelled");
  hold.open();
  await drained;
  await done;
  assert.deepEqual(seen, ["a"]);
});

Deno.test("WorkQueue re-queues a key with backoff when the worker throws", async () => {
  const clock = new FakeClock();
  const queue = new WorkQueue({ backoff: { baseMs: 5, maxMs: 5, jitter: 0 }, clock });
  let attempts = 0;
  const done = queue.run(() => {
    attempts++;
    return attempts < 3 ? Promise.reject(new Error("boom")) : Promise.resolve();
  });
  queue.add("k");
  await queue.whenQuiet();
  assert.equal(attempts, 1);
  clock.advance(5);
  await queue.whenQuiet();
  assert.equal(attempts, 2);
  clock.advance(5);
  await queue.whenQuiet();
  assert.equal(attempts, 3);
  assert.equal(queue.delayed, 0);
  await queue.shutDown();
  await done;
});
