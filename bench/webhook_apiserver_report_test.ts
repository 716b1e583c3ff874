import assert from "node:assert/strict";
import type { ApiServerWebhookFigures } from "./webhook_apiserver_figures.ts";
import { apiServerWebhookSection } from "./webhook_apiserver_report.ts";

const figures: ApiServerWebhookFigures = {
  apiserver_rate_per_s: 200,
  apiserver_seconds: 30,
  apiserver_requests: 6000,
  apiserver_errors: 0,
  apiserver_error_samples: [],
  apiserver_achieved_rate_per_s: 199.8,
  apiserver_send_lag_p99_ms: 1.2,
  apiserver_create_p50_ms: 6.1,
  apiserver_create_p99_ms: 14.2,
  apiserver_p50_ms: 2.5,
  apiserver_p99_ms: 4.95,
  apiserver_bucket_ms: 5,
  apiserver_webhooks: {
    "virtualmachines-mutator.denovirt.io": {
      type: "admit",
      calls: 6000,
      p50_ms: 2.5,
      p99_ms: 4.95,
      within_5ms_percent: 100,
      mean_ms: 1.8,
      server_reviews: 6000,
      server_p50_ms: 0.4,
      server_p99_ms: 1.1,
    },
  },
};

Deno.test("apiServerWebhookSection() has a row per webhook and says what the buckets resolve", () => {
  const text = apiServerWebhookSection(figures).join("\n");
  assert.match(
    text,
    /\| virtualmachines-mutator\.denovirt\.io \| admit \| 6000 \| 2\.5 \| 4\.95 \| 100 \| 1\.8 \| 0\.4 \/ 1\.1 \| p99 < 5 \|/,
  );
  assert.match(text, /cannot resolve times under 5 ms/);
  assert.match(text, /achieved 199\.8\/s, 6000 creates, 0 errors;/);
});

Deno.test("apiServerWebhookSection() quotes the first errors when creates failed", () => {
  const text = apiServerWebhookSection({
    ...figures,
    apiserver_errors: 2,
    apiserver_error_samples: ["ApiError: Cannot create: timeout"],
  }).join("\n");
  assert.match(text, /2 errors \(first errors: ApiError: Cannot create: timeout\)/);
});
