/** `/healthz`, `/readyz` and `/metrics` of the controllers: HTTPS when given a certificate. */
import type { Logger } from "../lib/log.ts";
import { metricsRoute } from "../lib/metrics/http.ts";
import type { Registry } from "../lib/metrics/registry.ts";

/** What the probes report. */
export interface HealthSource {
  /** Ready: every cache has its first list. */
  ready(): boolean;
  /** What `/metrics` serves; none: no such path. */
  metrics?: Registry;
}

/** Serve the probes on `hostname:port` until `signal` aborts; resolves once listening. */
export function serveHealth(
  opts: {
    port: number;
    hostname?: string;
    /** PEM serving certificate and key: HTTPS (as virt-controller's metrics); else HTTP. */
    tls?: { cert: string; key: string };
    signal: AbortSignal;
    log: Logger;
  },
  source: HealthSource,
): Deno.HttpServer {
  const metrics = source.metrics &&
    metricsRoute(source.metrics, (error) => opts.log.warn("A metrics collector failed", { error }));
  const server = Deno.serve({
    port: opts.port,
    hostname: opts.hostname ?? "127.0.0.1",
    signal: opts.signal,
    ...(opts.tls ?? {}),
    onListen: ({ hostname, port }) =>
      opts.log.info("Health probes listening", { hostname, port, tls: opts.tls !== undefined }),
  }, (request) => {
    const path = new URL(request.url).pathname;
    if (path === "/healthz" || path === "/livez") return new Response("ok\n");
    if (path === "/readyz") {
      return source.ready()
        ? new Response("ok\n")
        : new Response("caches not synced\n", { status: 503 });
    }
    return metrics?.(request) ?? new Response("not found\n", { status: 404 });
  });
  return server;
}
