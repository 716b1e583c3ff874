/**
 * The agent's probe endpoints, `/healthz` and `/readyz`; the node-level APIs (console, pause,
 * unpause) are served beside them by `agent/console/server.ts`.
 */

/** One group of routes: answers a request, or undefined to let the next group try. */
export type RouteHandler = (
  request: Request,
) => Promise<Response | undefined> | Response | undefined;

export interface AgentServerOptions {
  hostname: string;
  port: number;
  /** PEM text of the serving certificate and key. */
  cert: string;
  key: string;
  /** Why the agent is not ready, or undefined when it is. */
  notReadyReason: () => string | undefined;
  /**
   * Node-level APIs, tried in order after the probes. The console handler (a WebSocket
   * upgrade at `/v1/namespaces/{ns}/virtualmachineinstances/{name}/console`) goes here; it must
   * authenticate its callers itself (client certificates of the cluster CA).
   */
  routes?: RouteHandler[];
  signal: AbortSignal;
}

/** The probe endpoints and any further routes, as one request handler. */
export function probeHandler(
  notReadyReason: () => string | undefined,
  routes: RouteHandler[] = [],
): (request: Request) => Promise<Response> {
  return (request) => handle(request, { notReadyReason, routes });
}

async function handle(
  request: Request,
  opts: Pick<AgentServerOptions, "notReadyReason" | "routes">,
): Promise<Response> {
  const { pathname } = new URL(request.url);
  if (pathname === "/healthz" || pathname === "/livez") return text(200, "ok");
  if (pathname === "/readyz") {
    const reason = opts.notReadyReason();
    return reason === undefined ? text(200, "ok") : text(503, `not ready: ${reason}`);
  }
  for (const route of opts.routes ?? []) {
    const response = await route(request);
    if (response) return response;
  }
  return text(404, "not found");
}

function text(status: number, body: string): Response {
  return new Response(`${body}\n`, { status, headers: { "content-type": "text/plain" } });
}
