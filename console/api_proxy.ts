/**
 * The console's calls to the API server: `/console/api/<path>` goes to `<server>/<path>` with the
 * user's own bearer token and nothing of the role's identity, so RBAC decides what each user
 * sees and does. Watches stream through.
 */
import type { Upstream } from "./upstream.ts";

/** The path under the API server for a console API path, or undefined when it is not one. */
export function upstreamPathOf(path: string): string | undefined {
  const match = path.match(/^\/console\/api(\/.*)$/);
  return match ? match[1] : undefined;
}

/** Request headers passed on: what the API server reads of a client, never cookies or proxies'. */
const FORWARDED = ["authorization", "content-type", "accept"];

/** The upstream request's headers: the user's token and content negotiation only. */
export function forwardedHeaders(incoming: Headers): Headers {
  const out = new Headers();
  for (const name of FORWARDED) {
    const value = incoming.get(name);
    if (value !== null) out.set(name, value);
  }
  return out;
}

/** Response headers passed back: fetch has already decoded the body, so no length or encoding. */
const DROPPED = ["content-encoding", "content-length", "transfer-encoding", "connection"];

/** A fetch handler proxying console API calls to `upstream`. */
export function apiProxy(upstream: Upstream): (request: Request) => Promise<Response> {
  const client = Deno.createHttpClient({
    http1: true,
    http2: false,
    ...(upstream.caCert ? { caCerts: [upstream.caCert] } : {}),
  });
  return async (request) => {
    const url = new URL(request.url);
    const path = upstreamPathOf(url.pathname);
    if (path === undefined) return new Response("Not found", { status: 404 });
    const hasBody = request.method !== "GET" && request.method !== "HEAD";
    let answer: Response;
    try {
      answer = await fetch(upstream.server + path + url.search, {
        method: request.method,
        headers: forwardedHeaders(request.headers),
        ...(hasBody ? { body: await request.arrayBuffer() } : {}),
        client,
        redirect: "manual",
        // A watch ends upstream when the page that asked for it goes.
        signal: request.signal,
      });
    } catch (error) {
      const message = `Cannot reach the API server: ${(error as Error).message}`;
      return Response.json({ kind: "Status", status: "Failure", code: 502, message }, {
        status: 502,
      });
    }
    const headers = new Headers(answer.headers);
    for (const name of DROPPED) headers.delete(name);
    headers.set("cache-control", "no-store");
    return new Response(answer.body, { status: answer.status, headers });
  };
}
