/** The figures of the admission-through-the-API-server run: pure, so naming and rounding are tested. */
import { histogramQuantile, shareAtMost } from "./prom_histogram.ts";
import { quantile, round } from "./stats.ts";
import type { ApiServerAdmissionRun } from "./webhook_apiserver.ts";

/** The histogram's lowest bucket bound (s): below it kube-apiserver's figures cannot resolve. */
export const LOWEST_BUCKET_S = 0.005;

const ms = (seconds: number, digits = 2) => round(seconds * 1000, digits);

/** Where a webhook's own log lines are filed: `virtualmachines-mutator.x` → `virtualmachines/mutate`. */
export function endpointOfWebhook(name: string, type: string): string {
  const resource = name.replace(/-(mutator|validator)\..*$/, "");
  return `${resource}/${type === "admit" ? "mutate" : "validate"}`;
}

/** Per-webhook p50/p99 at the API server, the webhooks' own time, the creates' rate and errors. */
export function apiServerWebhookFigures(
  run: ApiServerAdmissionRun,
  conditions: { rate: number; seconds: number },
) {
  const webhooks = Object.fromEntries(run.webhooks.map((series) => {
    const { name = "", type = "" } = series.labels;
    const server = run.serverMs[endpointOfWebhook(name, type)] ?? [];
    return [name, {
      type,
      calls: series.count,
      p50_ms: ms(histogramQuantile(0.5, series.buckets)),
      p99_ms: ms(histogramQuantile(0.99, series.buckets)),
      within_5ms_percent: round(100 * shareAtMost(LOWEST_BUCKET_S, series.buckets), 2),
      mean_ms: ms(series.count > 0 ? series.sum / series.count : NaN, 3),
      server_reviews: server.length,
      server_p50_ms: round(quantile(server, 0.5), 2),
      server_p99_ms: round(quantile(server, 0.99), 2),
    }];
  }));
  // NaN when no webhook was called: a run that measured nothing must not pass for a fast one.
  const worst = (key: "p50_ms" | "p99_ms") => {
    const values = Object.values(webhooks).map((w) => w[key]);
    return values.length ? Math.max(...values) : NaN;
  };
  const c = run.creates;
  return {
    apiserver_rate_per_s: conditions.rate,
    apiserver_seconds: conditions.seconds,
    apiserver_requests: c.sent,
    apiserver_errors: c.errors,
    apiserver_error_samples: c.errorSamples,
    apiserver_achieved_rate_per_s: round(c.sent / c.elapsedS, 1),
    apiserver_send_lag_p99_ms: round(quantile(c.sendLagMs, 0.99), 2),
    apiserver_create_p50_ms: round(quantile(c.latenciesMs, 0.5), 2),
    apiserver_create_p99_ms: round(quantile(c.latenciesMs, 0.99), 2),
    apiserver_p50_ms: worst("p50_ms"),
    apiserver_p99_ms: worst("p99_ms"),
    apiserver_bucket_ms: ms(LOWEST_BUCKET_S),
    apiserver_webhooks: webhooks,
  };
}

export type ApiServerWebhookFigures = ReturnType<typeof apiServerWebhookFigures>;
