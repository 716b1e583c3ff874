import assert from "node:assert/strict";
import { FAKE_NODE_CAPACITY, fakeNodeStatus } from "./fake_nodes.ts";

Deno.test("fakeNodeStatus() reports Ready with a fresh heartbeat and a fixed transition time", () => {
  const since = new Date("2026-01-01T00:00:00.123Z");
  const now = new Date("2026-01-01T00:05:00.456Z");
  // deno-lint-ignore no-explicit-any
  const status = fakeNodeStatus(since, now) as any;
  assert.deepEqual(status.allocatable, FAKE_NODE_CAPACITY);
  assert.equal(status.conditions[0].type, "Ready");
  assert.equal(status.conditions[0].status, "True");
  assert.equal(status.conditions[0].lastHeartbeatTime, "2026-01-01T00:05:00Z");
  assert.equal(status.conditions[0].lastTransitionTime, "2026-01-01T00:00:00Z");
});
