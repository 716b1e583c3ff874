import assert from "node:assert/strict";
import type { OpenLoopResult } from "./open_loop.ts";
import type { HistogramSeries } from "./prom_histogram.ts";
import type { ApiServerAdmissionRun } from "./webhook_apiserver.ts";
import { apiServerWebhookFigures, endpointOfWebhook } from "./webhook_apiserver_figures.ts";

const BOUNDS = [0.005, 0.025, 0.1, 0.5, 1, 2.5, 10, 25, Infinity];

function series(name: string, type: string, counts: number[], sum: number): HistogramSeries {
  return {
    labels: { name, type },
    buckets: BOUNDS.map((le, i) => ({ le, count: counts[i] ?? counts.at(-1)! })),
    count: counts.at(-1)!,
    sum,
  };
}

const creates: OpenLoopResult = {
  latenciesMs: Array.from({ length: 100 }, (_, i) => i + 1),
  byTag: {},
  sendLagMs: [0, 1],
  errors: 2,
  errorSamples: ["Error: boom"],
  sent: 102,
  elapsedS: 1.02,
};

Deno.test("endpointOfWebhook() files a webhook under its resource and endpoint", () => {
  assert.equal(
    endpointOfWebhook("virtualmachines-mutator.denovirt.io", "admit"),
    "virtualmachines/mutate",
  );
  assert.equal(
    endpointOfWebhook("virtualmachines-validator.denovirt.io", "validating"),
    "virtualmachines/validate",
  );
});

Deno.test("apiServerWebhookFigures() reports each webhook's quantiles and the worst p99", () => {
  const run: ApiServerAdmissionRun = {
    creates,
    webhooks: [
      series("virtualmachines-mutator.denovirt.io", "admit", [100], 0.2),
      series("virtualmachines-validator.denovirt.io", "validating", [90, 100], 0.4),
    ],
    serverMs: { "virtualmachines/mutate": [0.5, 0.7, 0.9], "virtualmachines/validate": [] },
  };
  const f = apiServerWebhookFigures(run, { rate: 100, seconds: 1 });
  const mutator = f.apiserver_webhooks["virtualmachines-mutator.denovirt.io"]!;
  assert.deepEqual(mutator, {
    type: "admit",
    calls: 100,
    p50_ms: 2.5,
    p99_ms: 4.95,
    within_5ms_percent: 100,
    mean_ms: 2,
    server_reviews: 3,
    server_p50_ms: 0.7,
    server_p99_ms: 0.9,
  });
  const validator = f.apiserver_webhooks["virtualmachines-validator.denovirt.io"]!;
  assert.equal(validator.p99_ms, 23);
  assert.equal(validator.within_5ms_percent, 90);
  assert.equal(validator.server_reviews, 0);
  assert.equal(f.apiserver_p99_ms, 23);
  assert.equal(f.apiserver_p50_ms, 2.78);
  assert.equal(f.apiserver_requests, 102);
  assert.equal(f.apiserver_errors, 2);
  assert.equal(f.apiserver_achieved_rate_per_s, 100);
  assert.equal(f.apiserver_create_p50_ms, 50);
  assert.equal(f.apiserver_create_p99_ms, 99);
  assert.equal(f.apiserver_bucket_ms, 5);
});

Deno.test("apiServerWebhookFigures() answers NaN, not 0, when no webhook was called", () => {
  const f = apiServerWebhookFigures({ creates, webhooks: [], serverMs: {} }, {
    rate: 1,
    seconds: 1,
  });
  assert.ok(Number.isNaN(f.apiserver_p99_ms));
  assert.deepEqual(f.apiserver_webhooks, {});
});
