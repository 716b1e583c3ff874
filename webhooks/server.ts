// Serving the webhook app over TLS, with one structured log line per AdmissionReview.
import { type Logger, logger } from "../lib/log.ts";
import { certificateCheck, firstNotReady, type ReadinessCheck } from "../lib/http/readiness.ts";
import { webhookApp, type WebhookAppOptions } from "./app.ts";
import type { EvictionLookups } from "./eviction.ts";
import type { Lookups } from "./review.ts";

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
  /** Further app options (timeouts, limits); mostly for tests. */
  app?: Partial<WebhookAppOptions>;
}

/** Serves the webhooks until `signal` aborts; resolves once listening. */
export async function serveWebhooks(options: ServeWebhooksOptions): Promise<Deno.HttpServer> {
  const log = options.log ?? logger({ component: "webhooks" });
  const [cert, key] = await Promise.all([
    Deno.readTextFile(options.certFile),
    Deno.readTextFile(options.keyFile),
  ]);
  const app = webhookApp({
    ...options.app,
    lookups: options.lookups,
    ...(options.evictions ? { evictions: options.evictions } : {}),
    notReadyReason: firstNotReady([certificateCheck(cert), ...(options.readiness ?? [])]),
    config: { ...options.app?.config, allowedHostDiskDirs: options.allowedHostDiskDirs ?? [] },
    onReview: (entry) => {
      const { error, ...fields } = entry;
      if (error) log.error("Admission failed", { ...fields, error });
      else log.info("Admission", fields);
    },
  });
  const { promise: listening, resolve } = Promise.withResolvers<void>();
  const server = Deno.serve({
    port: options.port,
    hostname: options.hostname ?? "127.0.0.1",
    cert,
    key,
    signal: options.signal,
    onListen: ({ hostname, port }) => {
      log.info("Webhooks listening", { url: `https://${hostname}:${port}` });
      resolve();
    },
    onError: (error) => {
      log.error("Request failed", { error });
      return Response.json({
        kind: "Status",
        status: "Failure",
        code: 500,
        message: "Internal error",
      }, {
        status: 500,
      });
    },
  }, app.fetch);
  await listening;
  return server;
}
