/**
 * The aggregated API `subresources.kubevirt.io` as a Hono app: discovery, the VM lifecycle
 * subresources (patches of the VM, as virt-api makes them: `vm_routes.ts`), the VMI subresources
 * the node agent carries out, and the guest agent's (`vmi_routes.ts`, `guest_agent.ts`). The
 * WebSockets of the console and of port-forward are handled by `console_proxy.ts` and
 * `port_forward_proxy.ts`, not here.
 * Importing this starts nothing; tests drive it with `app.request()` and a fake backend.
 */
import { type Context, Hono } from "hono";
import { messageOf } from "../lib/errors.ts";
import { readyzResponse } from "../lib/http/readiness.ts";
import { callerOf } from "./access.ts";
import type { AppOptions, Env } from "./app_options.ts";
import {
  apiGroup,
  apiResourceList,
  GROUP,
  openApiV2,
  openApiV3,
  versionInfo,
} from "./discovery.ts";
import { internal, noRoute, StatusError, statusResponse } from "../lib/http/status.ts";
import { callOf } from "./subresource_call.ts";
import { addVmRoutes } from "./vm_routes.ts";
import { addVmiRoutes } from "./vmi_routes.ts";
import { addWebSocketHints } from "./websocket_hints.ts";

const VERSION = ":version{v1|v1alpha3}";
const BASE = `/apis/${GROUP}/${VERSION}`;

/** The Hono app of the aggregated API. */
export function subresourceApp(opts: AppOptions): Hono<Env> {
  const { backend } = opts;
  const app = new Hono<Env>();
  const proxyOnly = (c: Context<Env>) => {
    // Discovery needs the front proxy but no user: the aggregator's availability checks send none.
    const peer = c.env?.peer ?? { authorized: false };
    const allowed = opts.requestHeaders?.allowedNames ?? ["front-proxy-client"];
    if (!peer.authorized || (allowed.length > 0 && !allowed.includes(peer.commonName ?? ""))) {
      callerOf(peer, c.req.raw.headers, opts.requestHeaders);
    }
  };

  app.get("/healthz", (c) => c.text("ok"));
  app.get("/readyz", () => readyzResponse(opts.notReadyReason));
  app.get("/livez", (c) => c.text("ok"));
  app.get("/openapi/v2", (c) => c.json(openApiV2()));
  app.get("/openapi/v3", (c) => c.json(openApiV3()));
  app.get(`/apis/${GROUP}`, (c) => (proxyOnly(c), c.json(apiGroup())));
  app.get(BASE, (c) => (proxyOnly(c), c.json(apiResourceList(c.req.param("version")))));
  app.get(`${BASE}/version`, (c) => (proxyOnly(c), c.json(versionInfo())));
  app.get(`${BASE}/healthz`, (c) => c.json({ apiserver: "ok", restcontrollers: "ok" }));

  const call = callOf(opts);
  addVmRoutes(app, BASE, backend, call);
  addVmiRoutes(app, BASE, backend, call);

  addWebSocketHints(app, BASE);

  app.notFound((c) => statusResponse(noRoute(c.req.path)));
  app.onError((error) =>
    statusResponse(error instanceof StatusError ? error : internal(messageOf(error)))
  );
  return app;
}
