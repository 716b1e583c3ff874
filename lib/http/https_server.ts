/**
 * An HTTPS server on node:https whose TLS can ask for (but does not require) a client certificate,
 * bridged to a fetch handler (a Hono app) and to a WebSocket upgrade handler. Deno.serve cannot
 * ask for client certificates; node:tls in Deno verifies them (adr/0005). Deno.serve also answers
 * HTTP/1.1 over TLS ~40 ms late on a kept-alive connection, node:https does not (adr/0016).
 */
import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { TLSSocket } from "node:tls";

/** Who is at the other end of the TLS connection. */
export interface Peer {
  /** The client presented a certificate that chains to the trusted CA. */
  authorized: boolean;
  /** Subject CN of that certificate (only meaningful when `authorized`). */
  commonName?: string;
  /** Why it is not authorized: no certificate, unknown issuer, expired, ... */
  authorizationError?: string;
}

export type FetchWithPeer = (request: Request, env: { peer: Peer }) => Response | Promise<Response>;
export type UpgradeHandler = (
  req: IncomingMessage,
  socket: Duplex,
  head: Uint8Array,
  peer: Peer,
) => void | Promise<void>;

export interface HttpsServerOptions {
  hostname: string;
  port: number;
  /** PEM serving certificate and key. */
  cert: string;
  key: string;
  /** PEM CA bundle client certificates must chain to; none: no client certificate is asked for. */
  clientCa?: string;
  fetch: FetchWithPeer;
  upgrade?: UpgradeHandler;
  maxBodyBytes?: number;
  signal?: AbortSignal;
  onError?: (error: unknown) => void;
}

export interface RunningServer {
  port: number;
  /** Resolves once the server closed (after `signal` aborts). */
  finished: Promise<void>;
  close(): Promise<void>;
}

/** The peer of a TLS socket. */
export function peerOf(socket: unknown): Peer {
  const tls = socket as Partial<TLSSocket>;
  const authorized = tls.authorized === true;
  let commonName: string | undefined;
  try {
    const cn = tls.getPeerCertificate?.()?.subject?.CN;
    commonName = Array.isArray(cn) ? cn[0] : cn;
  } catch {
    // No certificate.
  }
  const error = tls.authorizationError;
  return {
    authorized,
    ...(commonName ? { commonName } : {}),
    ...(error ? { authorizationError: String(error) } : {}),
  };
}

/** Serve until `signal` aborts; resolves once listening. */
export async function serveHttps(opts: HttpsServerOptions): Promise<RunningServer> {
  const clientCertificates = opts.clientCa === undefined ? {} : {
    ca: opts.clientCa,
    requestCert: true,
    // Probes (/healthz) come without certificates: each route decides what it requires.
    rejectUnauthorized: false,
  };
  const server: Server = createServer({
    cert: opts.cert,
    key: opts.key,
    ...clientCertificates,
    // Node's default, stated because latency depends on it: no Nagle delay on small answers.
    noDelay: true,
  }, (req, res) => {
    bridge(req, res, opts).catch((error) => {
      opts.onError?.(error);
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      res.end();
    });
  });
  if (opts.upgrade) {
    const upgrade = opts.upgrade;
    server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Uint8Array) => {
      Promise.resolve(upgrade(req, socket, head, peerOf(socket))).catch((error) => {
        opts.onError?.(error);
        socket.destroy();
      });
    });
  }
  server.on("tlsClientError", () => {});
  const { promise: listening, resolve, reject } = Promise.withResolvers<void>();
  server.once("error", reject);
  server.listen(opts.port, opts.hostname, () => resolve());
  await listening;
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : opts.port;
  const { promise: finished, resolve: done } = Promise.withResolvers<void>();
  const close = () => {
    server.close(() => done());
    (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
    return finished;
  };
  opts.signal?.addEventListener("abort", () => close(), { once: true });
  return { port, finished, close };
}

async function bridge(req: IncomingMessage, res: ServerResponse, opts: HttpsServerOptions) {
  const limit = opts.maxBodyBytes ?? 1024 * 1024;
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Uint8Array).length;
    if (size > limit) {
      res.writeHead(413, { "content-type": "application/json" });
      res.end(
        JSON.stringify({ kind: "Status", status: "Failure", code: 413, message: "Body too large" }),
      );
      return;
    }
    chunks.push(chunk as Uint8Array);
  }
  const headers = new Headers();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
  }
  const method = req.method ?? "GET";
  const hasBody = method !== "GET" && method !== "HEAD";
  // The request's signal aborts when the client goes, so a handler streaming a long answer (a
  // proxied watch) can stop what feeds it.
  const gone = new AbortController();
  res.once("close", () => gone.abort());
  const request = new Request(`https://${req.headers.host ?? "localhost"}${req.url ?? "/"}`, {
    method,
    headers,
    body: hasBody ? concat(chunks) : undefined,
    signal: gone.signal,
  });
  const response = await opts.fetch(request, { peer: peerOf(req.socket) });
  const outHeaders: Record<string, string> = {};
  response.headers.forEach((value, name) => outHeaders[name] = value);
  res.writeHead(response.status, outHeaders);
  if (response.body && method !== "HEAD") {
    try {
      for await (const chunk of response.body) {
        if (gone.signal.aborted) break;
        res.write(chunk);
      }
    } catch (error) {
      // A body that failed because its client left is no server error.
      if (!gone.signal.aborted) throw error;
    }
  }
  res.end();
}

function concat(chunks: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Answer an upgrade request with a plain HTTP response (an error) and close the socket. */
export function rejectUpgrade(socket: Duplex, response: { code: number; body: unknown }): void {
  const body = JSON.stringify(response.body);
  const reason = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    500: "Internal Server Error",
    503: "Service Unavailable",
  }[response.code] ?? "Error";
  socket.end(
    `HTTP/1.1 ${response.code} ${reason}\r\ncontent-type: application/json\r\n` +
      `content-length: ${
        new TextEncoder().encode(body).length
      }\r\nconnection: close\r\n\r\n${body}`,
  );
}
