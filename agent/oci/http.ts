/**
 * GET with redirects followed by hand (Authorization never leaves the origin it was meant for),
 * plain HTTP only to hosts listed as insecure, an idle timeout on headers and body, and failures
 * turned into OciErrors that name the host and its answer.
 */
import { OciError, type OciReason, retryable, terminal } from "./errors.ts";
import { connectionFailureOf, type Transport } from "./transport.ts";

/** What a request needs besides its URL and headers. */
export interface HttpContext {
  transport: Transport;
  /** Whether this URL's host may be used over plain HTTP or with any certificate. */
  insecure(url: URL): boolean;
  /** The name to show for a URL's host (the registry's own name for its API host). */
  nameOf(url: URL): string;
  /** A request whose answer stalls this long fails, retryably. */
  idleTimeoutMs: number;
}

/** Redirects followed for one request; registries use one (to object storage). */
export const MAX_REDIRECTS = 10;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** Answers GET `url` once redirects are followed; the body carries the same timeout and errors. */
export async function get(
  ctx: HttpContext,
  start: URL,
  headers: Headers,
  signal: AbortSignal,
  where: string,
): Promise<Response> {
  const stop = new AbortController();
  const both = AbortSignal.any([signal, stop.signal]);
  let timedOut = false;
  let url = start;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      timedOut = true;
      stop.abort();
    }, ctx.idleTimeoutMs);
  };
  const failure = (error: unknown) => {
    clearTimeout(timer);
    if (signal.aborted) return signal.reason;
    // A missing permission is the deployment's fault, not the registry's: keep its message.
    if (error instanceof OciError || error instanceof Deno.errors.NotCapable) return error;
    if (timedOut) {
      return retryable(
        "RegistryUnavailable",
        `${where}: ${ctx.nameOf(url)} sent nothing for ${ctx.idleTimeoutMs / 1000} s`,
      );
    }
    return connectionError(error, ctx.nameOf(url), where);
  };

  let response: Response;
  let sent = new Headers(headers);
  // Digests cover the bytes as stored: no transparent decompression.
  sent.set("accept-encoding", "identity");
  try {
    for (let hops = 0;; hops++) {
      if (url.protocol !== "https:" && !(url.protocol === "http:" && ctx.insecure(url))) {
        throw terminal(
          "InsecureRegistry",
          `${where}: ${ctx.nameOf(url)} is reached over ${url.protocol.slice(0, -1)}, ` +
            `and ${ctx.nameOf(url)} is not listed in the insecure registries`,
        );
      }
      arm();
      response = await ctx.transport.send(url, sent, both, ctx.insecure(url));
      if (!REDIRECTS.has(response.status)) break;
      await response.body?.cancel().catch(() => {});
      const location = response.headers.get("location");
      if (location === null || hops >= MAX_REDIRECTS) {
        throw terminal(
          "RegistryError",
          `${where}: ${ctx.nameOf(url)} answered HTTP ${response.status} ` +
            (location === null ? "without a Location" : `more than ${MAX_REDIRECTS} times`),
        );
      }
      const next = new URL(location, url);
      // Credentials were given for one origin: object storage elsewhere gets none.
      if (next.origin !== url.origin) {
        sent = new Headers(sent);
        sent.delete("authorization");
      }
      url = next;
    }
  } catch (error) {
    throw failure(error);
  }

  const reader = response.body?.getReader();
  arm();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!reader) {
        clearTimeout(timer);
        return controller.close();
      }
      let result: ReadableStreamReadResult<Uint8Array>;
      try {
        result = await reader.read();
      } catch (error) {
        throw failure(error);
      }
      if (result.done) {
        clearTimeout(timer);
        return controller.close();
      }
      arm();
      controller.enqueue(result.value);
    },
    cancel(reason) {
      clearTimeout(timer);
      return reader?.cancel(reason);
    },
  }, { highWaterMark: 0 });
  return new Response(body, { status: response.status, headers: response.headers });
}

/** The OciError of a failure below HTTP. */
function connectionError(error: unknown, name: string, where: string): OciError {
  const failure = connectionFailureOf(error);
  const unlisted = `${name} is not listed in the insecure registries`;
  switch (failure.kind) {
    case "untrusted":
      return terminal(
        "InsecureRegistry",
        `${where}: the TLS certificate of ${name} is not trusted (${failure.why}), and ${unlisted}: ` +
          "give the CA certificate that signed it, or list it as an insecure registry",
      );
    case "not-tls":
      return terminal(
        "InsecureRegistry",
        `${where}: ${name} does not answer with TLS (it may speak plain HTTP only), and ${unlisted}: ` +
          "list it as an insecure registry to use plain HTTP",
      );
    case "unreachable":
      return retryable("RegistryUnavailable", `${where}: cannot reach ${name}: ${failure.why}`);
  }
}

/** The OciError of a non-2xx answer, with the registry's own error code and message if any. */
export async function statusError(
  response: Response,
  name: string,
  where: string,
  notFound: OciReason = "ImageNotFound",
): Promise<OciError> {
  const detail = await registryErrorOf(response);
  const status = response.status;
  const message = `${where}: ${name} answered HTTP ${status}${detail ? ` (${detail})` : ""}`;
  if (status === 404) return terminal(notFound, message);
  if (status === 401 || status === 403) return terminal("Unauthorized", message);
  if (status === 408 || status === 429 || status >= 500) {
    return retryable("RegistryUnavailable", message);
  }
  return terminal("RegistryError", message);
}

/** `CODE: message` of the spec's `{"errors": [{code, message}]}` body, shortened and printable. */
async function registryErrorOf(response: Response): Promise<string | undefined> {
  try {
    const text = new TextDecoder().decode(await readLimited(response, 64 * 1024, ""));
    const first = JSON.parse(text)?.errors?.[0];
    const parts = [first?.code, first?.message].filter((p) => typeof p === "string" && p !== "");
    const detail = parts.join(": ").replace(/\p{Cc}+/gu, " ");
    return detail === "" ? undefined : detail.slice(0, 300);
  } catch {
    return undefined;
  }
}

/** The whole body, or TooLarge (the stream cancelled) past `limit` bytes; `what` names it. */
export async function readLimited(
  response: Response,
  limit: number,
  where: string,
  what = "the answer",
): Promise<Uint8Array> {
  const reader = response.body?.getReader();
  if (!reader) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    length += value.length;
    if (length > limit) {
      await reader.cancel().catch(() => {});
      throw terminal("TooLarge", `${where}: ${what} is larger than ${limit} bytes`);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) bytes.set(chunk, at), at += chunk.length;
  return bytes;
}
