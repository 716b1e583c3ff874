import assert from "node:assert/strict";
import { quantile, slope, summarize } from "./stats.ts";

Deno.test("quantile() takes the nearest rank", () => {
  const xs = [5, 1, 4, 2, 3, 6, 7, 8, 9, 10];
  assert.equal(quantile(xs, 0.5), 5);
  assert.equal(quantile(xs, 0.95), 10);
  assert.equal(quantile(xs, 0), 1);
  assert.ok(Number.isNaN(quantile([], 0.5)));
});

Deno.test("summarize() reports count, percentiles, max and mean", () => {
  const s = summarize([1, 2, 3, 4]);
  assert.deepEqual([s.n, s.p50, s.max, s.mean], [4, 2, 4, 2.5]);
});

Deno.test("slope() fits a straight line", () => {
  assert.equal(slope([[0, 10], [10, 30], [20, 50]]), 2);
  assert.ok(Number.isNaN(slope([[1, 1]])));
});
