/**
 * The body of an http(s) source as a stream: the request's headers and CAs, redirects followed
 * by hand (headers never leave the origin they were given for), statuses and connection failures
 * sorted into terminal and retryable, an idle timeout, and bodies cut short detected.
 */
import { messageOf } from "../../lib/errors.ts";
import { retryable, terminal } from "./errors.ts";
import { redactUrl } from "./redact.ts";
import { ImportError } from "./types.ts";

/** An http source that sends nothing for this long fails (retryably). */
export const DEFAULT_IDLE_TIMEOUT_MS = 60_000;
export const MAX_REDIRECTS = 10;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export interface HttpBodyRequest {
  url: string;
  headers: Record<string, string>;
  caCerts: string[];
  signal: AbortSignal;
  idleTimeoutMs: number;
}

export interface HttpBody {
  /** The body exactly as served; errors are ImportErrors (or the signal's reason). */
  body: ReadableStream<Uint8Array>;
  /** Content-Length, when the server sent one. */
  totalBytes?: number;
  /** Stops the transfer if it still runs and frees the connection; call once, always. */
  close(): void;
}

/** The URL if it may be fetched: http(s), no userinfo. Throws a terminal InvalidURL otherwise. */
export function checkedUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw terminal("InvalidURL", "Cannot import: the URL is not valid");
  }
  const where = `Cannot import ${redactUrl(parsed)}`;
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw terminal("InvalidURL", `${where}: only http and https URLs are supported`);
  }
  if (parsed.username !== "" || parsed.password !== "") {
    throw terminal(
      "InvalidURL",
      `${where}: the URL holds credentials: put them in a Secret (secretRef) instead`,
    );
  }
  return parsed;
}

/** Sends the request and returns the body of a 2xx answer; throws an ImportError otherwise. */
export async function openHttpBody(req: HttpBodyRequest): Promise<HttpBody> {
  const url = checkedUrl(req.url);
  const where = `Cannot import ${redactUrl(url)}`;
  const client = clientFor(req.caCerts, where);
  const stop = new AbortController();
  const signal = AbortSignal.any([req.signal, stop.signal]);
  let timedOut = false;
  const idle = () =>
    setTimeout(() => {
      timedOut = true;
      stop.abort();
    }, req.idleTimeoutMs);
  const failure = (error: unknown): unknown => {
    if (req.signal.aborted) return req.signal.reason;
    if (error instanceof ImportError) return error;
    if (timedOut) {
      return retryable(
        "Timeout",
        `${where}: the server sent nothing for ${req.idleTimeoutMs / 1000} s`,
      );
    }
    return connectionError(error, where);
  };
  const close = () => {
    stop.abort();
    client?.close();
  };

  let response: Response;
  try {
    response = await fetchFollowing(url, req.headers, client, signal, idle, where);
  } catch (error) {
    close();
    throw failure(error);
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => {});
    close();
    throw statusError(response.status, where);
  }
  const length = response.headers.get("content-length");
  const totalBytes = length !== null && /^\d+$/.test(length) ? Number(length) : undefined;
  const reader = response.body?.getReader();
  let received = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!reader) return controller.close();
      const timer = idle();
      let result: ReadableStreamReadResult<Uint8Array>;
      try {
        result = await reader.read();
      } catch (error) {
        throw failure(error);
      } finally {
        clearTimeout(timer);
      }
      if (!result.done) {
        received += result.value.length;
        return controller.enqueue(result.value);
      }
      if (totalBytes !== undefined && received < totalBytes) {
        throw retryable(
          "IncompleteBody",
          `${where}: the server sent ${received} of ${totalBytes} bytes`,
        );
      }
      controller.close();
    },
    cancel: (reason) => reader?.cancel(reason),
  }, { highWaterMark: 0 });
  return { body, ...(totalBytes === undefined ? {} : { totalBytes }), close };
}

/** A client trusting `caCerts` too; a CA that is not a PEM certificate is terminal. */
function clientFor(caCerts: string[], where: string): Deno.HttpClient | undefined {
  if (caCerts.length === 0) return undefined;
  const invalid = (why: string) =>
    terminal("TLSError", `${where}: a CA certificate of the certificate ConfigMap ${why}`);
  // Deno skips text that holds no PEM block: it would surface later as an unknown issuer.
  if (caCerts.some((pem) => !pem.includes("-----BEGIN CERTIFICATE-----"))) {
    throw invalid("holds no PEM certificate");
  }
  try {
    return Deno.createHttpClient({ caCerts });
  } catch (error) {
    const why = /: ?([A-Za-z]+)$/.exec(messageOf(error))?.[1];
    throw invalid(`is not valid${why ? ` (${why})` : ""}`);
  }
}

async function fetchFollowing(
  start: URL,
  headers: Record<string, string>,
  client: Deno.HttpClient | undefined,
  signal: AbortSignal,
  idle: () => ReturnType<typeof setTimeout>,
  where: string,
): Promise<Response> {
  let url = start;
  // The checksum covers the body as served: no transparent decompression by fetch.
  const plain = new Headers({ "accept-encoding": "identity" });
  let sent = new Headers(headers);
  sent.set("accept-encoding", "identity");
  for (let hops = 0;; hops++) {
    const timer = idle();
    let response: Response;
    try {
      response = await fetch(url, {
        headers: sent,
        redirect: "manual",
        signal,
        ...(client ? { client } : {}),
      });
    } finally {
      clearTimeout(timer);
    }
    if (!REDIRECTS.has(response.status)) return response;
    await response.body?.cancel().catch(() => {});
    const location = response.headers.get("location");
    if (location === null) {
      throw terminal("HTTPError", `${where}: HTTP ${response.status} without a Location`);
    }
    if (hops >= MAX_REDIRECTS) {
      throw terminal("HTTPError", `${where}: more than ${MAX_REDIRECTS} redirects`);
    }
    let next: URL;
    try {
      next = new URL(location, url);
    } catch {
      throw terminal("HTTPError", `${where}: HTTP ${response.status} with an invalid Location`);
    }
    if (next.protocol !== "http:" && next.protocol !== "https:") {
      throw terminal("InvalidURL", `${where}: redirected to a ${next.protocol} URL`);
    }
    if (url.protocol === "https:" && next.protocol === "http:") {
      throw terminal("InvalidURL", `${where}: redirected from https to plain http`);
    }
    // Credentials were given for the URL's origin: another origin gets none of the headers.
    if (next.origin !== url.origin) sent = plain;
    url = next;
  }
}

/** The ImportError of a non-2xx answer. */
export function statusError(status: number, where: string): ImportError {
  const message = `${where}: the server answered HTTP ${status}`;
  if (status === 404 || status === 410) return terminal("NotFound", message);
  if (status === 401) return terminal("Unauthorized", message);
  if (status === 403) return terminal("Forbidden", message);
  if (status === 408 || status === 429 || status >= 500) return retryable("HTTPError", message);
  return terminal("HTTPError", message);
}

/** Fetch's errors name the URL with its query string: only their kind is kept. */
export function connectionError(error: unknown, where: string): ImportError {
  const cause = (error as { cause?: unknown } | undefined)?.cause;
  const detail = cause === undefined ? messageOf(error) : messageOf(cause);
  const certificate = /invalid peer certificate: ?([A-Za-z]+)?/i.exec(detail);
  if (certificate || /certificate/i.test(detail)) {
    const why = certificate?.[1] ?? "";
    const hints: Record<string, string> = {
      NotValidForName: "it does not name this host",
      Expired: "it has expired",
      NotValidYet: "it is not valid yet",
      Revoked: "it was revoked",
    };
    const hint = hints[why] ??
      "if a private CA signed it, give that CA in the certificate ConfigMap";
    return terminal(
      "TLSError",
      `${where}: the server's TLS certificate was refused${why ? ` (${why})` : ""}: ${hint}`,
    );
  }
  if (
    /received corrupt message|InvalidContentType|peer is incompatible|HandshakeFailure/i.test(
      detail,
    )
  ) {
    return terminal(
      "TLSError",
      `${where}: the TLS handshake failed: the server does not speak TLS on this port, ` +
        "or shares no protocol version or cipher with the agent",
    );
  }
  const kinds: [RegExp, string][] = [
    [
      /dns error|failed to lookup address|name or service not known/i,
      "the host name was not found",
    ],
    [/connection refused/i, "the connection was refused"],
    [
      /connection reset|closed before message completed|broken pipe/i,
      "the server closed the connection",
    ],
    [/timed out/i, "the connection timed out"],
    [/error reading a body|unexpected eof|incomplete/i, "the body was cut short"],
  ];
  const kind = kinds.find(([pattern]) => pattern.test(detail))?.[1] ?? "the connection failed";
  return retryable("ConnectionError", `${where}: ${kind}`);
}
