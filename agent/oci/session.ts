/**
 * One registry as the client talks to it: the scheme found by probing `/v2/` (https; plain HTTP
 * only for a registry listed as insecure), its challenge, and GETs that authenticate as asked.
 */
import { RegistryAuth, type RegistryCredentials } from "./auth.ts";
import { usableChallenge } from "./challenge.ts";
import { OciError, type OciReason, terminal } from "./errors.ts";
import { get, type HttpContext, statusError } from "./http.ts";
import { apiHostOf, isApiUrlOf } from "./reference.ts";
import type { Transport } from "./transport.ts";

/** What a session needs from the client's options. */
export interface SessionOptions {
  transport: Transport;
  credentials?: RegistryCredentials;
  /** Whether a `host[:port]` may be used over plain HTTP or with any certificate. */
  insecure(host: string): boolean;
  idleTimeoutMs: number;
}

/** A probed registry. */
export class RegistrySession {
  private constructor(
    readonly registry: string,
    private readonly base: URL,
    private readonly ctx: HttpContext,
    private readonly auth: RegistryAuth,
  ) {}

  /** Probes `GET /v2/`: https first; then plain HTTP if the registry is listed as insecure. */
  static async open(
    registry: string,
    options: SessionOptions,
    signal: AbortSignal,
    where: string,
  ): Promise<RegistrySession> {
    const own = (url: URL) => isApiUrlOf(url, registry);
    const ctx: HttpContext = {
      transport: options.transport,
      // What an insecure registry sends us to (its token realm, a blob's redirect) is as
      // insecure as the registry itself, as with Docker's insecure registries.
      insecure: (url) => options.insecure(registry) || options.insecure(url.host),
      nameOf: (url) => own(url) ? registry : url.host,
      idleTimeoutMs: options.idleTimeoutMs,
    };
    const probe = async (scheme: "https" | "http") => {
      const base = new URL(`${scheme}://${apiHostOf(registry)}/`);
      return { base, answer: await get(ctx, new URL("/v2/", base), new Headers(), signal, where) };
    };
    let probed: Awaited<ReturnType<typeof probe>>;
    try {
      probed = await probe("https");
    } catch (error) {
      // As Docker does for an insecure registry: whatever failed below HTTP, try plain HTTP.
      const below = error instanceof OciError &&
        (error.reason === "RegistryUnavailable" || error.reason === "InsecureRegistry");
      if (!options.insecure(registry) || signal.aborted || !below) throw error;
      probed = await probe("http");
    }
    const { base, answer } = probed;
    const challenge = usableChallenge(answer.headers.get("www-authenticate"));
    if (answer.ok || (answer.status === 401 && challenge)) {
      await answer.body?.cancel();
      const auth = new RegistryAuth(ctx, answer.ok ? undefined : challenge, options.credentials);
      return new RegistrySession(registry, base, ctx, auth);
    }
    const error = await statusError(answer, registry, where, "RegistryError");
    if (answer.status === 401) {
      throw terminal(
        "Unauthorized",
        `${error.message}: it asks for no authentication this client knows (Bearer or Basic)`,
      );
    }
    if (answer.status === 404) {
      throw terminal(
        "RegistryError",
        `${error.message}: it does not serve the registry API at /v2/`,
      );
    }
    throw error;
  }

  /**
   * A 2xx answer to GET `path` of the registry, authenticated as it asks. A 401 makes it learn
   * the challenge of that answer and try once more; a second 401 is Unauthorized.
   */
  async get(
    repository: string,
    path: string,
    accept: string | undefined,
    signal: AbortSignal,
    where: string,
    notFound: OciReason,
  ): Promise<Response> {
    const url = new URL(path, this.base);
    for (let attempt = 0;; attempt++) {
      const headers = new Headers(accept === undefined ? {} : { accept });
      const authorization = await this.auth.headerFor(repository, signal, where);
      if (authorization) headers.set("authorization", authorization);
      const answer = await get(this.ctx, url, headers, signal, where);
      if (answer.ok) return answer;
      const challenge = usableChallenge(answer.headers.get("www-authenticate"));
      // Retry only when something else would be sent: a fresh token, or credentials at last
      // (the same Basic credentials again cannot help, and may lock the account).
      const retry = answer.status === 401 && attempt === 0 && challenge !== undefined &&
        (challenge.scheme === "bearer" ||
          (this.auth.hasCredentials && !authorization?.startsWith("Basic ")));
      if (!retry) throw await this.#refusal(answer, where, notFound);
      await answer.body?.cancel();
      this.auth.challenge = challenge;
      this.auth.forget(repository);
    }
  }

  async #refusal(answer: Response, where: string, notFound: OciReason): Promise<OciError> {
    const error = await statusError(answer, this.registry, where, notFound);
    if (error.reason !== "Unauthorized") return error;
    return terminal(
      "Unauthorized",
      error.message +
        (this.auth.hasCredentials
          ? ": the registry credentials were refused or do not grant pulling this image"
          : ": no credentials are given for this registry"),
    );
  }
}
