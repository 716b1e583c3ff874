import assert from "node:assert/strict";
import { livenessOf, seeRenewal } from "./liveness.ts";

Deno.test("seeRenewal() starts counting when a renewTime is first seen, not from its value", () => {
  const first = seeRenewal(undefined, "2020-01-01T00:00:00.000000Z", 5_000);
  assert.deepEqual(first, { renewTime: "2020-01-01T00:00:00.000000Z", seenAt: 5_000 });
  // The same renewTime later changes nothing; a new one restarts the count.
  assert.equal(seeRenewal(first, "2020-01-01T00:00:00.000000Z", 9_000), first);
  assert.deepEqual(seeRenewal(first, "2020-01-01T00:00:10.000000Z", 9_000), {
    renewTime: "2020-01-01T00:00:10.000000Z",
    seenAt: 9_000,
  });
});

Deno.test("seeRenewal() keeps the last renewal seen when the Lease is gone", () => {
  const seen = { renewTime: "t1", seenAt: 1_000 };
  assert.equal(seeRenewal(seen, undefined, 50_000), seen);
  assert.equal(seeRenewal(undefined, undefined, 50_000), undefined);
});

Deno.test("livenessOf() declares a node unresponsive once the threshold passed since the last renewal seen", () => {
  const seen = { renewTime: "t1", seenAt: 10_000 };
  const cases: Array<[number, ReturnType<typeof livenessOf>]> = [
    [10_000, { unresponsive: false, unresponsiveInMs: 40_000 }],
    [49_999, { unresponsive: false, unresponsiveInMs: 1 }],
    [50_000, { unresponsive: true }],
    [90_000, { unresponsive: true }],
  ];
  for (const [now, want] of cases) assert.deepEqual(livenessOf(seen, now, 40_000), want, `${now}`);
});
