import assert from "node:assert/strict";
import { Registry } from "../lib/metrics/registry.ts";
import { admissionMetrics } from "./metrics.ts";
import type { ReviewLogEntry } from "./app.ts";

const review = (over: Partial<ReviewLogEntry>): ReviewLogEntry => ({
  uid: "u",
  kind: "VirtualMachine",
  resource: "virtualmachines",
  endpoint: "validate",
  operation: "CREATE",
  namespace: "ns",
  name: "vm",
  allowed: true,
  patchOps: 0,
  ms: 2,
  ...over,
});

Deno.test("admissionMetrics() observes each review by resource, operation, endpoint and verdict", async () => {
  const registry = new Registry();
  const observe = admissionMetrics(registry);
  observe(review({}));
  observe(review({ allowed: false, ms: 30 }));
  observe(review({ resource: "", error: "boom" })); // not a review: not counted
  const text = await registry.render();
  const ok = 'resource="virtualmachines",operation="CREATE",type="validate",rejected="false"';
  const refused = ok.replace('rejected="false"', 'rejected="true"');
  assert.match(text, new RegExp(`_bucket\\{${ok},le="0.0025"\\} 1$`, "m"));
  assert.match(text, new RegExp(`_count\\{${ok}\\} 1$`, "m"));
  assert.match(text, new RegExp(`_bucket\\{${refused},le="0.025"\\} 0$`, "m"));
  assert.match(text, new RegExp(`_bucket\\{${refused},le="0.05"\\} 1$`, "m"));
  assert.doesNotMatch(text, /resource="",/);
});
