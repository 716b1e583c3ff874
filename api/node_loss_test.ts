import assert from "node:assert/strict";
import {
  DEFAULT_NODE_UNRESPONSIVE_SECONDS,
  fenceFits,
  longestFenceUnder,
  MIN_NODE_UNRESPONSIVE_SECONDS,
  nodeUnresponsiveSecondsOf,
} from "./node_loss.ts";

Deno.test("fenceFits() needs more than one renew interval between fence time and threshold", () => {
  assert.equal(fenceFits(20, 40), true);
  assert.equal(fenceFits(20, 30), false);
  assert.equal(fenceFits(20, 31), true);
  assert.equal(fenceFits(longestFenceUnder(45), 45), true);
  assert.equal(fenceFits(longestFenceUnder(45) + 1, 45), false);
});

Deno.test("nodeUnresponsiveSecondsOf() reads whole seconds and refuses what no fence time fits", () => {
  assert.deepEqual(nodeUnresponsiveSecondsOf("40"), { seconds: 40 });
  assert.deepEqual(nodeUnresponsiveSecondsOf(" 90\n"), { seconds: 90 });
  assert.deepEqual(nodeUnresponsiveSecondsOf(undefined), {
    seconds: DEFAULT_NODE_UNRESPONSIVE_SECONDS,
  });
  for (const bad of ["12", "40.5", "forty", String(MIN_NODE_UNRESPONSIVE_SECONDS - 1)]) {
    const parsed = nodeUnresponsiveSecondsOf(bad);
    assert.equal(parsed.seconds, DEFAULT_NODE_UNRESPONSIVE_SECONDS, bad);
    assert.match(parsed.error ?? "", /greater than the agents' fence time/, bad);
  }
  assert.equal(nodeUnresponsiveSecondsOf(String(MIN_NODE_UNRESPONSIVE_SECONDS)).error, undefined);
});
