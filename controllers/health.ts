/** `/healthz` and `/readyz` on loopback for the controllers' probes. */
import type { Logger } from "../lib/log.ts";

/** What the probes report. */
export interface HealthSource {
  /** Ready: every cache has its first list. */
  ready(): boolean;
}

/** Serve the probes on `hostname:port` until `signal` aborts; resolves once listening. */
export function serveHealth(
  opts: { port: number; hostname?: string; signal: AbortSignal; log: Logger },
  source: HealthSource,
): Deno.HttpServer {
  const server = Deno.serve({
    port: opts.port,
    hostname: opts.hostname ?? "127.0.0.1",
    signal: opts.signal,
    onListen: ({ hostname, port }) => opts.log.info("Health probes listening", { hostname, port }),
  }, (request) => {
    const path = new URL(request.url).pathname;
    if (path === "/healthz" || path === "/livez") return new Response("ok\n");
    if (path === "/readyz") {
      return source.ready()
        ? new Response("ok\n")
        : new Response("caches not synced\n", { status: 503 });
    }
    return new Response("not found\n", { status: 404 });
  });
  return server;
}
