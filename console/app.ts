/**
 * The web console as a Hono app under `/console/`: its pages and the npm packages' files from the
 * bundle (assets.generated.ts), and `/console/api/*` proxied to the API server with the user's
 * own token (api_proxy.ts). Importing this starts nothing.
 */
import { Hono } from "hono";
import { assetResponse, type ConsoleAsset } from "./asset.ts";

/** Served with every page: same-origin scripts only; xterm.js sets inline styles. */
const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
  "img-src 'self' data: blob:; connect-src 'self' wss: https:; frame-ancestors 'none'";

export interface ConsoleAppOptions {
  assets: Record<string, ConsoleAsset>;
  /** Answers `/console/api/*`. */
  api: (request: Request) => Promise<Response>;
}

/** The console's app: mount it in front of a server's other routes. */
export function consoleApp(opts: ConsoleAppOptions): Hono {
  const app = new Hono();
  const serve = (name: string, accept: string | undefined) => {
    const asset = opts.assets[name];
    if (!asset) return new Response("Not found", { status: 404 });
    const response = assetResponse(asset, accept ?? null);
    response.headers.set("content-security-policy", CSP);
    return response;
  };
  app.get("/console", (c) => c.redirect("/console/"));
  app.get("/console/", (c) => serve("index.html", c.req.header("accept-encoding")));
  app.all("/console/api/*", (c) => opts.api(c.req.raw));
  app.get("/console/:file", (c) => serve(c.req.param("file"), c.req.header("accept-encoding")));
  return app;
}

/** Whether a path belongs to the console. */
export const isConsolePath = (path: string) => path === "/console" || path.startsWith("/console/");
