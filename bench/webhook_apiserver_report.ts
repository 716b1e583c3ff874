/** The report's section on admission latency as kube-apiserver measures it. */
import { table } from "./md_table.ts";
import type { ApiServerWebhookFigures } from "./webhook_apiserver_figures.ts";

/** Markdown lines: conditions, the per-webhook table, and what the histogram can resolve. */
export function apiServerWebhookSection(w: ApiServerWebhookFigures): string[] {
  const errors = w.apiserver_errors
    ? ` (first errors: ${w.apiserver_error_samples.join("; ").slice(0, 300)})`
    : "";
  return [
    "### As kube-apiserver measures it",
    "",
    `Open loop: ${w.apiserver_rate_per_s} dry-run VM creates/s for ${w.apiserver_seconds} s ` +
    `through the API server with the webhook configurations registered (achieved ` +
    `${w.apiserver_achieved_rate_per_s}/s, ${w.apiserver_requests} creates, ` +
    `${w.apiserver_errors} errors${errors}; sent at most ${w.apiserver_send_lag_p99_ms} ms late ` +
    "at p99). Per webhook, kube-apiserver's own histogram " +
    "`apiserver_admission_webhook_admission_duration_seconds` (read from its /metrics before " +
    "and after the run, CREATEs only), with p50/p99 interpolated in its buckets as PromQL's " +
    "`histogram_quantile` does; beside it, the webhook's own handling time from its log over " +
    "the same requests.",
    "",
    table(
      [
        "webhook",
        "type",
        "calls",
        "p50 (ms)",
        "p99 (ms)",
        `≤ ${w.apiserver_bucket_ms} ms (%)`,
        "mean (ms)",
        "own time p50 / p99 (ms)",
        "target",
      ],
      Object.entries(w.apiserver_webhooks).map(([name, h]) => [
        name,
        h.type,
        h.calls,
        h.p50_ms,
        h.p99_ms,
        h.within_5ms_percent,
        h.mean_ms,
        `${h.server_p50_ms} / ${h.server_p99_ms}`,
        "p99 < 5",
      ]),
    ),
    "",
    `The histogram's lowest bucket ends at ${w.apiserver_bucket_ms} ms (then 25, 100 ms, ...), so ` +
    `it cannot resolve times under ${w.apiserver_bucket_ms} ms: when every call falls in that ` +
    `bucket, histogram_quantile answers ${w.apiserver_bucket_ms} ms × q (p99 = ` +
    `${(w.apiserver_bucket_ms * 0.99).toFixed(2)} ms) whatever the true times; the share within ` +
    `${w.apiserver_bucket_ms} ms and the mean (from the histogram's sum) are the exact figures. ` +
    `A whole create, as the bench sees it (send → answer): p50 ${w.apiserver_create_p50_ms} ms, ` +
    `p99 ${w.apiserver_create_p99_ms} ms.`,
  ];
}
