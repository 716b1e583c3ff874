/**
 * Requests to one repository of a registry through the distribution API, answering its 401
 * challenges: Basic with the given credentials, or Bearer with a token fetched from the realm
 * for the scope `repository:<name>:<actions>` (Docker's token authentication).
 */
import { encodeBase64 } from "../../lib/base64.ts";
import { type Challenge, parseChallenges, repositoryScope } from "./challenge.ts";

/** A registry to talk to. */
export interface RegistryTarget {
  /** `http://127.0.0.1:5000` or `https://...`: the scheme says whether TLS is used. */
  url: string;
  credentials?: { username: string; password: string };
  /** PEM CA certificates to trust for the registry and its token realm, besides the system's. */
  caCerts?: string[];
}

/** A request body that can be made again, since a 401 answer means sending it twice. */
export type BodySource = () => BodyInit | null | Promise<BodyInit | null>;

/** One repository's API with authentication handled. */
export class RegistrySession {
  readonly #target: RegistryTarget;
  readonly #repository: string;
  readonly #actions: string[];
  readonly #client: Deno.HttpClient | undefined;
  #authorization: string | undefined;

  constructor(target: RegistryTarget, repository: string, actions = ["pull", "push"]) {
    this.#target = target;
    this.#repository = repository;
    this.#actions = actions;
    this.#client = target.caCerts?.length
      ? Deno.createHttpClient({ caCerts: target.caCerts })
      : undefined;
  }

  /** `<url>/v2/<repository>/<rest>`. */
  url(rest: string): string {
    return `${this.#target.url}/v2/${this.#repository}/${rest}`;
  }

  /** Send a request (a path under the repository or an absolute URL), authenticating on a 401. */
  async request(
    method: string,
    where: string,
    options: { headers?: Record<string, string>; body?: BodySource } = {},
  ): Promise<Response> {
    const url = /^https?:/.test(where) ? where : this.url(where);
    const send = async () => {
      const headers = new Headers(options.headers);
      if (this.#authorization) headers.set("authorization", this.#authorization);
      const body = options.body ? await options.body() : null;
      return await fetch(url, { method, headers, body, client: this.#client });
    };
    const first = await send();
    if (first.status !== 401) return first;
    const challenges = parseChallenges(first.headers.get("www-authenticate") ?? "");
    await first.body?.cancel();
    this.#authorization = await this.#authorize(challenges);
    // A second 401 means the credentials were refused: the caller sees it.
    return await send();
  }

  /** Release the TLS client. */
  close(): void {
    this.#client?.close();
  }

  async #authorize(challenges: Challenge[]): Promise<string | undefined> {
    const bearer = challenges.find((c) => c.scheme === "bearer");
    if (bearer) return `Bearer ${await this.#token(bearer)}`;
    const basic = challenges.find((c) => c.scheme === "basic");
    if (basic && this.#target.credentials) return this.#basic();
    return this.#authorization;
  }

  #basic(): string {
    const { username, password } = this.#target.credentials!;
    return `Basic ${encodeBase64(new TextEncoder().encode(`${username}:${password}`))}`;
  }

  /** A token from the challenge's realm; anonymous when there are no credentials. */
  async #token(challenge: Challenge): Promise<string> {
    const realm = challenge.params.realm;
    if (!realm) {
      throw new Error(
        `Cannot authenticate to ${this.#target.url}: a Bearer challenge without realm`,
      );
    }
    const url = new URL(realm);
    if (challenge.params.service) url.searchParams.set("service", challenge.params.service);
    url.searchParams.set("scope", repositoryScope(this.#repository, this.#actions));
    const headers = new Headers();
    if (this.#target.credentials) headers.set("authorization", this.#basic());
    const response = await fetch(url, { headers, client: this.#client });
    if (!response.ok) {
      const detail = (await response.text()).trim().slice(0, 200);
      throw new Error(
        `Cannot get a token from ${url.origin}${url.pathname}: ${response.status} ${detail}`,
      );
    }
    const body = await response.json() as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) {
      throw new Error(
        `Cannot get a token from ${url.origin}${url.pathname}: no token in its answer`,
      );
    }
    return token;
  }
}
