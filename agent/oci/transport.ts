/**
 * One HTTP exchange, redirects not followed: by fetch, trusting the system's CAs and the given
 * ones, or for a registry listed as insecure by node:https without verifying the certificate
 * (Deno's fetch has no per-client switch for that).
 */
import https from "node:https";
import { messageOf } from "../../lib/errors.ts";
import { webStreamOf } from "../../lib/node_readable.ts";
import { terminal } from "./errors.ts";

/** Sends one request; `lenient` accepts any TLS certificate. */
export interface Transport {
  send(url: URL, headers: Headers, signal: AbortSignal, lenient: boolean): Promise<Response>;
  /** Frees the HTTP client; call once, when done. */
  close(): void;
}

/** A transport trusting `caCerts` besides the system's; a CA that is not PEM fails each send. */
export function createTransport(caCerts: string[]): Transport {
  let client: Deno.HttpClient | undefined;
  const strictClient = () => {
    if (client || caCerts.length === 0) return client;
    const invalid = (why: string) =>
      terminal("InvalidCACertificate", `Cannot use the registry CA certificates: ${why}`);
    // Deno skips text without a PEM block: it would only surface later as an unknown issuer.
    if (caCerts.some((pem) => !pem.includes("-----BEGIN CERTIFICATE-----"))) {
      throw invalid("one holds no PEM certificate");
    }
    try {
      client = Deno.createHttpClient({ caCerts });
    } catch (error) {
      throw invalid(`one is not valid (${messageOf(error)})`);
    }
    return client;
  };
  return {
    send(url, headers, signal, lenient) {
      if (lenient && url.protocol === "https:") return sendUnverified(url, headers, signal);
      const strict = url.protocol === "https:" ? strictClient() : undefined;
      return fetch(url, {
        headers,
        redirect: "manual",
        signal,
        ...(strict ? { client: strict } : {}),
      });
    },
    close: () => client?.close(),
  };
}

const NO_BODY = new Set([204, 205, 304]);

function sendUnverified(url: URL, headers: Headers, signal: AbortSignal): Promise<Response> {
  return new Promise((resolve, reject) => {
    const request = https.request({
      hostname: url.hostname.replace(/^\[(.*)\]$/, "$1"),
      port: url.port === "" ? 443 : Number(url.port),
      path: url.pathname + url.search,
      method: "GET",
      headers: Object.fromEntries(headers),
      rejectUnauthorized: false,
      // Nothing is verified; an empty list also spares loading the system's CAs, which needs the
      // sys permission "ca" that the agent does not have.
      ca: [],
      agent: false,
      signal,
    }, (answer) => {
      const received = new Headers();
      for (const [name, value] of Object.entries(answer.headers)) {
        if (value !== undefined) {
          received.set(name, Array.isArray(value) ? value.join(", ") : value);
        }
      }
      const status = answer.statusCode ?? 0;
      if (NO_BODY.has(status)) answer.resume();
      try {
        const body = NO_BODY.has(status) ? null : webStreamOf(answer);
        resolve(new Response(body, { status, headers: received }));
      } catch (error) {
        answer.destroy();
        reject(error);
      }
    });
    request.on("error", reject);
    request.end();
  });
}

/** What went wrong below HTTP. */
export type ConnectionFailure =
  | { kind: "untrusted"; why: string }
  | { kind: "not-tls" }
  | { kind: "unreachable"; why: string };

/** Sorts a fetch or node:https error by its cause's text (Deno gives no codes for these). */
export function connectionFailureOf(error: unknown): ConnectionFailure {
  const cause = (error as { cause?: unknown } | undefined)?.cause;
  const detail = `${messageOf(error)} ${cause === undefined ? "" : messageOf(cause)}`;
  if (/received corrupt message|InvalidContentType|wrong version number/i.test(detail)) {
    return { kind: "not-tls" };
  }
  const peer = /invalid peer certificate: ?([A-Za-z]+)?/i.exec(detail);
  if (peer || /certificate/i.test(detail)) {
    return { kind: "untrusted", why: peer?.[1] ?? "it was refused" };
  }
  const kinds: [RegExp, string][] = [
    [/dns error|failed to lookup|name or service not known|ENOTFOUND/i, "the host was not found"],
    [/connection refused|ECONNREFUSED/i, "the connection was refused"],
    [
      /connection reset|closed before message completed|broken pipe|ECONNRESET|socket hang up/i,
      "the connection was closed",
    ],
    [/timed out|ETIMEDOUT/i, "the connection timed out"],
    [/error reading a body|unexpected eof|incomplete|aborted/i, "the answer was cut short"],
  ];
  return {
    kind: "unreachable",
    why: kinds.find(([pattern]) => pattern.test(detail))?.[1] ?? "the connection failed",
  };
}
