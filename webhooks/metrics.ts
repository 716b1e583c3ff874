/** The webhooks' admission latency, by resource, operation, endpoint and verdict. */
import type { Registry } from "../lib/metrics/registry.ts";
import type { ReviewLogEntry } from "./app.ts";

/** From half a millisecond (the target's scale) to the webhooks' 5 s timeout. */
export const ADMISSION_BUCKETS = [
  0.0005,
  0.001,
  0.0025,
  0.005,
  0.01,
  0.025,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
] as const;

/** Registers the histogram; the answer observes each AdmissionReview the app answered. */
export function admissionMetrics(registry: Registry): (entry: ReviewLogEntry) => void {
  const duration = registry.histogram(
    "denovirt_webhook_admission_duration_seconds",
    "Time the webhook took to answer an AdmissionReview, in seconds, by resource, operation, " +
      "endpoint (mutate or validate) and whether it refused.",
    ADMISSION_BUCKETS,
  );
  return (entry) => {
    if (!entry.resource) return; // Not an AdmissionReview the app could read.
    duration.observe({
      resource: entry.resource,
      operation: entry.operation,
      type: entry.endpoint,
      rejected: String(!entry.allowed),
    }, entry.ms / 1000);
  };
}
