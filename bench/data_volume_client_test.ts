import assert from "node:assert/strict";
import { eventReasonsOf } from "./data_volume_client.ts";

Deno.test("eventReasonsOf() lists reasons oldest first, counts repeats and quotes warnings", () => {
  const reasons = eventReasonsOf([
    { reason: "Provisioned", firstTimestamp: "2025-01-01T00:00:02Z" },
    {
      type: "Warning",
      reason: "WaitingForNode",
      message: "no ready node",
      count: 2,
      firstTimestamp: "2025-01-01T00:00:01Z",
    },
  ]);
  assert.equal(reasons, 'WaitingForNode ×2 ("no ready node"), Provisioned');
});

Deno.test("eventReasonsOf() answers none for no events", () => {
  assert.equal(eventReasonsOf([]), "none");
});
