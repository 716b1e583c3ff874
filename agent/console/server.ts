/**
 * `serveNodeApi()`: the agent's HTTPS server on node:https, which (unlike Deno.serve) can ask
 * for client certificates (adr/0005). Probes and any other routes of the agent go to `fallback`.
 */
import type { Logger } from "../../lib/log.ts";
import { type RunningServer, serveHttps } from "../../lib/http/https_server.ts";
import { nodeApi, type NodeApiOptions } from "./node_api.ts";
import {
  CONTAINER_LOGS_PREFIX,
  containerLogs,
  type ContainerLogsOptions,
} from "./container_logs.ts";

export interface ServeNodeApiOptions extends NodeApiOptions {
  hostname: string;
  port: number;
  /** PEM serving certificate and key. */
  cert: string;
  key: string;
  /** PEM cluster CA: callers' client certificates must chain to it. */
  clientCa: string;
  /** The kubelet's log endpoint for the node's launcher pods (kubelet-less nodes only). */
  containerLogs?: ContainerLogsOptions;
  /** Everything outside `/v1/` (e.g. `/healthz`, `/readyz`): the agent's own handler. */
  fallback: (request: Request) => Response | Promise<Response>;
  signal?: AbortSignal;
  log?: Logger;
}

/** Serve the agent's HTTPS endpoint until `signal` aborts; resolves once listening. */
export async function serveNodeApi(opts: ServeNodeApiOptions): Promise<RunningServer> {
  const api = nodeApi(opts);
  const logs = opts.containerLogs ? containerLogs(opts.containerLogs) : undefined;
  const server = await serveHttps({
    hostname: opts.hostname,
    port: opts.port,
    cert: opts.cert,
    key: opts.key,
    clientCa: opts.clientCa,
    fetch: (request, env) => {
      const path = new URL(request.url).pathname;
      if (path.startsWith("/v1/")) return api.app.fetch(request, env);
      if (logs && path.startsWith(CONTAINER_LOGS_PREFIX)) return logs(request, env.peer);
      return opts.fallback(request);
    },
    upgrade: api.upgrade,
    onError: (error) => opts.log?.error("Node API request failed", { error }),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  const closeAll = () => {
    api.consoles.closeAll();
    api.vncs.closeAll();
    api.portForwards.closeAll();
  };
  server.finished.then(closeAll);
  opts.signal?.addEventListener("abort", closeAll, { once: true });
  return server;
}
