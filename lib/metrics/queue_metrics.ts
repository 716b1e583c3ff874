/**
 * The Manager's work queues as KubeVirt's controllers report theirs (client-go's workqueue
 * metrics under the `kubevirt_` prefix): depth, how long a reconcile took, and retries.
 */
import type { Registry } from "./registry.ts";

/** Buckets of client-go's workqueue latency histograms: 1 µs to 10 s, by tens. */
export const WORK_DURATION_BUCKETS = [1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10] as const;

/** What the Manager tells the metrics. */
export interface QueueMetrics {
  reconciled(controller: string, seconds: number): void;
  retried(controller: string): void;
}

/** Registers the queue metrics; `queues` is read at every scrape for the depth. */
export function queueMetricsOf(
  registry: Registry,
  queues: () => ReadonlyMap<string, { length: number }>,
): QueueMetrics {
  const duration = registry.histogram(
    "kubevirt_workqueue_work_duration_seconds",
    "How long in seconds processing an item from workqueue takes.",
    WORK_DURATION_BUCKETS,
  );
  const retries = registry.counter(
    "kubevirt_workqueue_retries_total",
    "Total number of retries handled by workqueue",
  );
  registry.collect(() => [{
    name: "kubevirt_workqueue_depth",
    help: "Current depth of workqueue",
    type: "gauge",
    samples: [...queues()].map(([name, q]) => ({ labels: { name }, value: q.length })),
  }]);
  return {
    reconciled: (name, seconds) => duration.observe({ name }, seconds),
    retried: (name) => retries.inc({ name }),
  };
}
