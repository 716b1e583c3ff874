import assert from "node:assert/strict";
import {
  conditionOf,
  hasCondition,
  timestamp,
  withCondition,
  withoutCondition,
} from "./conditions.ts";

Deno.test("withCondition() keeps an unchanged condition as it is and moves the transition time only on a new status", () => {
  const t0 = "2026-01-01T00:00:00Z";
  const t1 = "2026-01-01T00:01:00Z";
  const start = withCondition(undefined, { type: "Ready", status: "False", reason: "A" }, t0);
  assert.deepEqual(start, [{
    type: "Ready",
    status: "False",
    reason: "A",
    lastTransitionTime: t0,
  }]);
  assert.deepEqual(
    withCondition(start, { type: "Ready", status: "False", reason: "A" }, t1),
    start,
  );
  const reasoned = withCondition(start, { type: "Ready", status: "False", reason: "B" }, t1);
  assert.equal(conditionOf(reasoned, "Ready")?.lastTransitionTime, t0, "same status: same time");
  const flipped = withCondition(reasoned, { type: "Ready", status: "True" }, t1);
  assert.equal(conditionOf(flipped, "Ready")?.lastTransitionTime, t1);
  assert.ok(hasCondition(flipped, "Ready", "True"));
  assert.deepEqual(withoutCondition(flipped, "Ready"), []);
  assert.equal(timestamp(Date.parse("2026-01-01T00:00:00.999Z")), t0);
});
