/**
 * WebSockets of the console (serial console, VNC) to the API server, byte for byte. Browsers
 * cannot set an Authorization header on a WebSocket, so the page offers its token as the
 * subprotocol `base64url.bearer.authorization.k8s.io.<token>`, which kube-apiserver itself
 * authenticates and strips; the role adds no credentials of its own.
 */
import { connect } from "node:tls";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { upstreamPathOf } from "./api_proxy.ts";
import type { Upstream } from "./upstream.ts";

/** Request headers not passed on: the upstream gets its own Host, and no cookies. */
const DROPPED = new Set(["host", "cookie", "origin"]);

/** The upgrade request as sent to the API server, or undefined for a path that is not the console's. */
export function upstreamUpgradeRequest(
  method: string,
  url: string,
  rawHeaders: string[],
  host: string,
): string | undefined {
  const parsed = new URL(url, "https://localhost");
  const path = upstreamPathOf(parsed.pathname);
  if (path === undefined) return undefined;
  const lines = [`${method} ${path}${parsed.search} HTTP/1.1`, `Host: ${host}`];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (!DROPPED.has(rawHeaders[i]!.toLowerCase())) {
      lines.push(`${rawHeaders[i]}: ${rawHeaders[i + 1]}`);
    }
  }
  return lines.join("\r\n") + "\r\n\r\n";
}

/** Relays an upgrade of `/console/api/...` to the API server over TLS; false when not its path. */
export function relayUpgrade(
  upstream: Upstream,
  req: IncomingMessage,
  socket: Duplex,
  head: Uint8Array,
): boolean {
  const target = new URL(upstream.server);
  const request = upstreamUpgradeRequest(
    req.method ?? "GET",
    req.url ?? "/",
    req.rawHeaders,
    target.host,
  );
  if (request === undefined) return false;
  const isName = !/^[\d.]+$|:/.test(target.hostname);
  const tls = connect({
    host: target.hostname,
    port: Number(target.port || 443),
    ...(upstream.caCert ? { ca: upstream.caCert } : {}),
    ...(isName ? { servername: target.hostname } : {}),
  });
  const end = () => {
    tls.destroy();
    socket.destroy();
  };
  tls.once("secureConnect", () => {
    tls.write(request);
    if (head.length > 0) tls.write(head);
    socket.pipe(tls);
    tls.pipe(socket);
  });
  tls.once("error", end);
  tls.once("close", end);
  socket.once("error", end);
  socket.once("close", end);
  return true;
}
