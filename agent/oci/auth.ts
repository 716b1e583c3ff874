/**
 * The Authorization a registry asks for: Basic credentials, or a Bearer token from its token
 * server (Docker's token authentication), kept per repository until it expires.
 */
import { encodeBase64 } from "../../lib/base64.ts";
import type { Challenge } from "./challenge.ts";
import { OciError, terminal } from "./errors.ts";
import { get, type HttpContext, readLimited, statusError } from "./http.ts";

/** A user name and password (or token) for one registry. */
export interface RegistryCredentials {
  username: string;
  password: string;
}

/** Tokens without `expires_in` live this long (the token spec's default). */
const DEFAULT_TOKEN_SECONDS = 60;
/** A token is renewed this long before it expires. */
const TOKEN_MARGIN_SECONDS = 5;
const MAX_TOKEN_ANSWER = 1024 * 1024;
/** What may go into a header value. */
const HEADER_SAFE = /^[\x21-\x7e]+$/;

interface Token {
  value: string;
  expiresAt: number;
}

/** One registry's challenge and tokens. */
export class RegistryAuth {
  #tokens = new Map<string, Token>();

  constructor(
    private readonly ctx: HttpContext,
    /** The registry's challenge; undefined while it asked for none. */
    public challenge: Challenge | undefined,
    private readonly credentials: RegistryCredentials | undefined,
  ) {}

  /** The Authorization header for pulling from `repository`, or undefined if none is needed. */
  async headerFor(repository: string, signal: AbortSignal, where: string) {
    const challenge = this.challenge;
    if (!challenge) return undefined;
    if (challenge.scheme === "basic") {
      return this.credentials ? `Basic ${basic(this.credentials)}` : undefined;
    }
    const cached = this.#tokens.get(repository);
    if (cached && cached.expiresAt > Date.now()) return `Bearer ${cached.value}`;
    const token = await this.#fetchToken(challenge, repository, signal, where);
    this.#tokens.set(repository, token);
    return `Bearer ${token.value}`;
  }

  /** Forgets the repository's token (the registry refused it). */
  forget(repository: string) {
    this.#tokens.delete(repository);
  }

  /** Whether credentials are known for this registry. */
  get hasCredentials() {
    return this.credentials !== undefined;
  }

  async #fetchToken(
    challenge: Challenge,
    repository: string,
    signal: AbortSignal,
    where: string,
  ): Promise<Token> {
    let url: URL;
    try {
      url = new URL(challenge.params.realm!);
    } catch {
      throw terminal("RegistryError", `${where}: the registry's token realm is not a valid URL`);
    }
    if (challenge.params.service) url.searchParams.set("service", challenge.params.service);
    url.searchParams.set("scope", `repository:${repository}:pull`);
    const headers = new Headers({ accept: "application/json" });
    if (this.credentials) headers.set("authorization", `Basic ${basic(this.credentials)}`);
    const server = `the token server of ${this.ctx.nameOf(url)}`;
    const answer = await get(this.ctx, url, headers, signal, where);
    if (answer.status === 401 || answer.status === 403) {
      const refused = await statusError(answer, server, where);
      throw terminal(
        "Unauthorized",
        refused.message +
          (this.credentials
            ? ": the registry credentials were refused"
            : ": no credentials are given for this registry, and it refuses anonymous pulls"),
      );
    }
    if (!answer.ok) throw await statusError(answer, server, where, "RegistryError");
    let body: Record<string, unknown>;
    try {
      const bytes = await readLimited(answer, MAX_TOKEN_ANSWER, where, `the answer of ${server}`);
      body = JSON.parse(new TextDecoder().decode(bytes));
    } catch (error) {
      if (error instanceof OciError) throw error;
      throw terminal("RegistryError", `${where}: ${server} answered with something not JSON`);
    }
    // The token spec names it `token`; OAuth 2.0 clients know it as `access_token`.
    const value = [body?.token, body?.access_token].find((t) => typeof t === "string" && t);
    if (typeof value !== "string" || !HEADER_SAFE.test(value)) {
      throw terminal("RegistryError", `${where}: ${server} answered without a usable token`);
    }
    const seconds = typeof body.expires_in === "number" && body.expires_in > 0
      ? body.expires_in
      : DEFAULT_TOKEN_SECONDS;
    return {
      value,
      expiresAt: Date.now() + Math.max(0, seconds - TOKEN_MARGIN_SECONDS) * 1000,
    };
  }
}

const basic = ({ username, password }: RegistryCredentials) =>
  encodeBase64(new TextEncoder().encode(`${username}:${password}`));
