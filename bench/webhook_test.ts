import assert from "node:assert/strict";
import { serverMsOf } from "./webhook.ts";

Deno.test("serverMsOf() takes the review times of one namespace from the webhook log", () => {
  const log = [
    "--- 2026-01-01T00:00:00Z starting webhooks",
    JSON.stringify({ msg: "Admission", namespace: "bench-x", ms: 0.5 }),
    JSON.stringify({ msg: "Admission", namespace: "other", ms: 9 }),
    JSON.stringify({ msg: "Webhooks started", namespace: "bench-x" }),
    JSON.stringify({ msg: "Admission", namespace: "bench-x", ms: 1.25 }),
  ].join("\n");
  assert.deepEqual(serverMsOf(log, "bench-x"), [0.5, 1.25]);
});
