/**
 * Test helper: an in-process OCI registry on 127.0.0.1 (TLS optional) with Basic or token
 * authentication, blobs redirected to a second "object storage" server under another host name
 * (localhost), a log of every request, and a hook to answer anything differently.
 */
import { sha256, type Tls } from "./test_support.ts";
import { OCI_MANIFEST } from "./media_types.ts";

export type FakeAuth =
  | { scheme: "basic"; username: string; password: string }
  | { scheme: "bearer"; username?: string; password?: string; field?: "token" | "access_token" };

export interface Seen {
  server: "registry" | "storage";
  path: string;
  query: URLSearchParams;
  authorization: string | null;
  accept: string | null;
}

const json = (body: unknown) => new TextEncoder().encode(JSON.stringify(body));
const basicOf = (user: string, password: string) => `Basic ${btoa(`${user}:${password}`)}`;
const errorBody = (status: number, code: string, message: string, headers: HeadersInit = {}) =>
  new Response(JSON.stringify({ errors: [{ code, message }] }), { status, headers });

/** The registry's content and behaviour; change them freely between requests. */
export class FakeRegistry {
  readonly seen: Seen[] = [];
  readonly blobs = new Map<string, Uint8Array>();
  readonly manifests = new Map<string, { bytes: Uint8Array; type: string }>();
  auth?: FakeAuth;
  /** Where blob requests are redirected (307), if anywhere; set by `withRegistry`. */
  storage?: string;
  redirectBlobs = false;
  /** What Docker-Content-Digest says: the right digest, none, or this string. */
  digestHeader: "right" | "none" | string = "right";
  /** Answers first when it returns a Response. */
  intercept?: (url: URL, req: Request) => Response | undefined | Promise<Response | undefined>;
  /** Tokens issued, and the scope each was issued for. */
  readonly tokens = new Map<string, string>();
  origin = "";
  /** Where the Bearer challenge sends clients for tokens; default `<origin>/token`. */
  realm?: string;

  /** Stores a blob; returns its descriptor. */
  addBlob(bytes: Uint8Array, mediaType = "application/octet-stream") {
    const digest = sha256(bytes);
    this.blobs.set(digest, bytes);
    return { mediaType, digest, size: bytes.length };
  }

  /** Stores a manifest under its digest and the tags; returns its descriptor. */
  addManifest(repo: string, tags: string[], body: unknown, type: string) {
    const bytes = body instanceof Uint8Array ? body : json(body);
    const digest = sha256(bytes);
    for (const ref of [digest, ...tags]) this.manifests.set(`${repo}:${ref}`, { bytes, type });
    return { mediaType: type, digest, size: bytes.length };
  }

  /** An image of these layers (OCI by default); returns its manifest's descriptor. */
  addImage(repo: string, tag: string, layers: { bytes: Uint8Array; mediaType: string }[]) {
    const config = this.addBlob(
      json({ architecture: "amd64", os: "linux" }),
      "application/vnd.oci.image.config.v1+json",
    );
    const manifest = {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config,
      layers: layers.map((l) => this.addBlob(l.bytes, l.mediaType)),
    };
    return this.addManifest(repo, tag === "" ? [] : [tag], manifest, OCI_MANIFEST);
  }

  /** Whether the request is authenticated for `repo` (undefined: the /v2/ probe). */
  #authorized(req: Request, repo?: string): boolean {
    const given = req.headers.get("authorization");
    if (!this.auth) return true;
    if (this.auth.scheme === "basic") {
      return given === basicOf(this.auth.username, this.auth.password);
    }
    const scope = this.tokens.get(given?.replace(/^Bearer /, "") ?? "");
    return scope !== undefined && (repo === undefined || scope === `repository:${repo}:pull`);
  }

  #challenge(repo?: string): Response {
    const header = this.auth?.scheme === "basic"
      ? 'Basic realm="fake registry"'
      : `Bearer realm="${this.realm ?? `${this.origin}/token`}",service="fake-registry"` +
        (repo ? `,scope="repository:${repo}:pull"` : "");
    return errorBody(401, "UNAUTHORIZED", "authentication required", {
      "www-authenticate": header,
    });
  }

  #token(url: URL, req: Request): Response {
    const auth = this.auth;
    if (auth?.scheme !== "bearer") return new Response(null, { status: 404 });
    const given = req.headers.get("authorization");
    if (auth.username !== undefined && given !== basicOf(auth.username, auth.password ?? "")) {
      return new Response(JSON.stringify({ details: "incorrect username or password" }), {
        status: 401,
      });
    }
    const token = `token-${this.tokens.size + 1}`;
    this.tokens.set(token, url.searchParams.get("scope") ?? "");
    return Response.json({ [auth.field ?? "token"]: token, expires_in: 300 });
  }

  /** The registry's request handler. */
  readonly handle = async (req: Request): Promise<Response> => {
    const url = new URL(req.url);
    this.#record("registry", url, req);
    const early = await this.intercept?.(url, req);
    if (early) return early;
    if (url.pathname === "/token") return this.#token(url, req);
    if (url.pathname === "/v2/") {
      return this.#authorized(req) ? Response.json({}) : this.#challenge();
    }
    const match = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(url.pathname);
    if (!match) return errorBody(404, "NOT_FOUND", "no such route");
    const [, repo, kind, ref] = match as unknown as [string, string, string, string];
    if (!this.#authorized(req, repo)) return this.#challenge(repo);
    if (kind === "blobs") {
      const blob = this.blobs.get(ref);
      if (!blob) return errorBody(404, "BLOB_UNKNOWN", "blob unknown to registry");
      if (this.redirectBlobs) {
        return new Response(null, {
          status: 307,
          headers: { location: `${this.storage}/storage/${ref}?signature=s3cret` },
        });
      }
      return new Response(blob.slice());
    }
    const manifest = this.manifests.get(`${repo}:${ref}`);
    if (!manifest) return errorBody(404, "MANIFEST_UNKNOWN", "manifest unknown");
    const headers: Record<string, string> = { "content-type": manifest.type };
    if (this.digestHeader !== "none") {
      headers["docker-content-digest"] = this.digestHeader === "right"
        ? sha256(manifest.bytes)
        : this.digestHeader;
    }
    return new Response(manifest.bytes.slice(), { headers });
  };

  /** The object storage's handler: any blob, whatever the credentials. */
  readonly handleStorage = (req: Request): Response => {
    const url = new URL(req.url);
    this.#record("storage", url, req);
    const blob = this.blobs.get(url.pathname.replace("/storage/", ""));
    return blob ? new Response(blob.slice()) : new Response(null, { status: 404 });
  };

  #record(server: Seen["server"], url: URL, req: Request) {
    this.seen.push({
      server,
      path: url.pathname,
      query: url.searchParams,
      authorization: req.headers.get("authorization"),
      accept: req.headers.get("accept"),
    });
  }

  /** The paths requested of one server, in order. */
  paths(server: Seen["server"] = "registry"): string[] {
    return this.seen.filter((s) => s.server === server).map((s) => s.path);
  }
}

/** Serves a registry (`registry`: `127.0.0.1:<port>`) and its storage (on localhost) while `fn` runs. */
export async function withRegistry(
  fn: (registry: FakeRegistry, name: string) => Promise<void>,
  options: { tls?: Tls } = {},
): Promise<void> {
  const registry = new FakeRegistry();
  const serve = (handler: (req: Request) => Response | Promise<Response>) =>
    Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {}, ...(options.tls ?? {}) }, handler);
  const main = serve(registry.handle);
  const storage = serve(registry.handleStorage);
  const scheme = options.tls ? "https" : "http";
  const name = `127.0.0.1:${main.addr.port}`;
  registry.origin = `${scheme}://${name}`;
  registry.storage = `${scheme}://localhost:${storage.addr.port}`;
  try {
    await fn(registry, name);
  } finally {
    await Promise.all([main.shutdown(), storage.shutdown()]);
  }
}
