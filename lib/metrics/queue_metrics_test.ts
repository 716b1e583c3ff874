import assert from "node:assert/strict";
import { queueMetricsOf } from "./queue_metrics.ts";
import { Registry } from "./registry.ts";

Deno.test("queueMetricsOf() reports each queue's depth, reconcile latency and retries by name", async () => {
  const registry = new Registry();
  const queues = new Map([["vm", { length: 4 }], ["vmi", { length: 0 }]]);
  const metrics = queueMetricsOf(registry, () => queues);
  metrics.reconciled("vm", 0.002);
  metrics.retried("vmi");
  const text = await registry.render();
  assert.match(text, /^kubevirt_workqueue_depth\{name="vm"\} 4$/m);
  assert.match(text, /^kubevirt_workqueue_depth\{name="vmi"\} 0$/m);
  assert.match(
    text,
    /^kubevirt_workqueue_work_duration_seconds_bucket\{name="vm",le="0.001"\} 0$/m,
  );
  assert.match(text, /^kubevirt_workqueue_work_duration_seconds_bucket\{name="vm",le="0.01"\} 1$/m);
  assert.match(text, /^kubevirt_workqueue_work_duration_seconds_count\{name="vm"\} 1$/m);
  assert.match(text, /^kubevirt_workqueue_retries_total\{name="vmi"\} 1$/m);
  queues.set("vm", { length: 1 });
  assert.match(await registry.render(), /^kubevirt_workqueue_depth\{name="vm"\} 1$/m);
});
