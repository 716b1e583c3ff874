import assert from "node:assert/strict";
import { Backoff, backoffDelay, jittered, sleep } from "./backoff.ts";

const policy = { baseMs: 100, maxMs: 1_000, factor: 2, jitter: 0.2 };

Deno.test("backoffDelay() doubles per attempt and stays within the jitter bounds and the cap", () => {
  for (const random of [() => 0, () => 0.5, () => 0.999999]) {
    for (let attempt = 0; attempt < 8; attempt++) {
      const nominal = Math.min(1_000, 100 * 2 ** attempt);
      const delay = backoffDelay(policy, attempt, random);
      assert.ok(delay >= nominal * 0.8 && delay <= nominal * 1.2, `${attempt}: ${delay}`);
    }
  }
  assert.equal(backoffDelay(policy, 0, () => 0.5), 100);
  assert.equal(backoffDelay(policy, 3, () => 0.5), 800);
  assert.equal(backoffDelay(policy, 30, () => 0.5), 1_000);
});

Deno.test("Backoff grows with each next() and starts over after reset()", () => {
  const backoff = new Backoff(policy, () => 0.5);
  assert.deepEqual([backoff.next(), backoff.next(), backoff.next()], [100, 200, 400]);
  assert.equal(backoff.attempts, 3);
  backoff.reset();
  assert.equal(backoff.next(), 100);
});

Deno.test("jittered() spreads a period by the given fraction", () => {
  assert.equal(jittered(1_000, 0.1, () => 0), 900);
  assert.equal(jittered(1_000, 0.1, () => 1), 1_100);
});

Deno.test("sleep() resolves false as soon as its signal aborts", async () => {
  const controller = new AbortController();
  const started = performance.now();
  const slept = sleep(10_000, controller.signal);
  controller.abort();
  assert.equal(await slept, false);
  assert.ok(performance.now() - started < 1_000);
  assert.equal(await sleep(1), true);
});
