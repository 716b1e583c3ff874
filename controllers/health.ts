/** `/healthz`, `/readyz` and `/metrics` of the controllers: HTTPS when given a certificate. */
import { type RunningServer, serveHttps } from "../lib/http/https_server.ts";
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

export interface HealthOptions {
  port: number;
  hostname?: string;
  /**
   * PEM serving certificate and key: HTTPS (as virt-controller's metrics), on node:https, whose
   * sockets do not stall kept-alive HTTP/1.1 scrapes (adr/0016); else plain HTTP.
   */
  tls?: { cert: string; key: string };
  signal: AbortSignal;
  log: Logger;
}

/** Serve the probes on `hostname:port` until `signal` aborts; resolves once listening. */
export async function serveHealth(
  opts: HealthOptions,
  source: HealthSource,
): Promise<Pick<RunningServer, "finished">> {
  const handler = healthHandler(opts.log, source);
  const hostname = opts.hostname ?? "127.0.0.1";
  if (opts.tls) {
    const server = await serveHttps({
      hostname,
      port: opts.port,
      ...opts.tls,
      fetch: (request) => handler(request),
      signal: opts.signal,
      onError: (error) => opts.log.error("Health request failed", { error }),
    });
    opts.log.info("Health probes listening", { hostname, port: server.port, tls: true });
    return server;
  }
  return Deno.serve({
    port: opts.port,
    hostname,
    signal: opts.signal,
    onListen: ({ hostname, port }) =>
      opts.log.info("Health probes listening", { hostname, port, tls: false }),
  }, handler);
}

/** The probes' and metrics' answers, as one request handler. */
export function healthHandler(
  log: Logger,
  source: HealthSource,
): (request: Request) => Response | Promise<Response> {
  const metrics = source.metrics &&
    metricsRoute(source.metrics, (error) => log.warn("A metrics collector failed", { error }));
  return (request) => {
    const path = new URL(request.url).pathname;
    if (path === "/healthz" || path === "/livez") return new Response("ok\n");
    if (path === "/readyz") {
      return source.ready()
        ? new Response("ok\n")
        : new Response("caches not synced\n", { status: 503 });
    }
    return metrics?.(request) ?? new Response("not found\n", { status: 404 });
  };
}
