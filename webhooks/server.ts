// Serving the webhook app over TLS, with one structured log line per AdmissionReview.
import { type Logger, logger } from "../lib/log.ts";
import { certificateCheck, firstNotReady, type ReadinessCheck } from "../lib/http/readiness.ts";
import { type RunningServer, serveHttps } from "../lib/http/https_server.ts";
import { MAX_BODY_BYTES, webhookApp, type WebhookAppOptions } from "./app.ts";
import type { EvictionLookups } from "./eviction.ts";
import type { Lookups } from "./review.ts";
import { metricsRoute } from "../lib/metrics/http.ts";
import type { Registry } from "../lib/metrics/registry.ts";
import { admissionMetrics } from "./metrics.ts";

export interface ServeWebhooksOptions {
  port: number;
  /** Loopback by default: the local stack's API server calls 127.0.0.1. */
  hostname?: string;
  certFile: string;
  keyFile: string;
  lookups: Lookups;
  /** The pods/eviction webhook's reads and write; none: no such endpoint. */
  evictions?: EvictionLookups;
  allowedHostDiskDirs?: readonly string[];
  /** What else /readyz waits for besides a valid serving certificate (the lookups' API server). */
  readiness?: ReadinessCheck[];
  signal?: AbortSignal;
  log?: Logger;
  /** The role's metrics: admission latency is recorded there, and served at `/metrics`. */
  metrics?: Registry;
  /** Further app options (timeouts, limits); mostly for tests. */
  app?: Partial<WebhookAppOptions>;
}

/** Serves the webhooks until `signal` aborts; resolves once listening. */
export async function serveWebhooks(options: ServeWebhooksOptions): Promise<RunningServer> {
  const log = options.log ?? logger({ component: "webhooks" });
  const [cert, key] = await Promise.all([
    Deno.readTextFile(options.certFile),
    Deno.readTextFile(options.keyFile),
  ]);
  const observe = options.metrics && admissionMetrics(options.metrics);
  const metrics = options.metrics &&
    metricsRoute(options.metrics, (error) => log.warn("A metrics collector failed", { error }));
  const app = webhookApp({
    ...options.app,
    lookups: options.lookups,
    ...(options.evictions ? { evictions: options.evictions } : {}),
    notReadyReason: firstNotReady([certificateCheck(cert), ...(options.readiness ?? [])]),
    config: { ...options.app?.config, allowedHostDiskDirs: options.allowedHostDiskDirs ?? [] },
    onReview: (entry) => {
      observe?.(entry);
      const { error, ...fields } = entry;
      if (error) log.error("Admission failed", { ...fields, error });
      else log.info("Admission", fields);
    },
  });
  // node:https, not Deno.serve: Deno.serve answers HTTP/1.1 over TLS ~40 ms late on a kept-alive
  // connection, and kube-apiserver calls webhooks over HTTP/1.1 but on loopback (adr/0016).
  const hostname = options.hostname ?? "127.0.0.1";
  const server = await serveHttps({
    hostname,
    port: options.port,
    cert,
    key,
    // Above the app's own limit, which answers 413 with an AdmissionReview-shaped message.
    maxBodyBytes: (options.app?.maxBodyBytes ?? MAX_BODY_BYTES) + 1,
    fetch: (request) => metrics?.(request) ?? app.fetch(request),
    onError: (error) => log.error("Request failed", { error }),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  log.info("Webhooks listening", { url: `https://${hostname}:${server.port}` });
  return server;
}
