/** A lean Kubernetes REST client on `fetch`: plain JSON in and out, watches as async iterators. */
import { apiErrorOf } from "./api_error.ts";
import { jsonLines } from "./json_lines.ts";
import type { KubeObject, ObjectList, ObjectRef, Status, WatchEvent } from "./object.ts";
import { apiVersionOf, pathOf, type Resource, resourceName } from "./resources.ts";
import type {
  DeleteOptions,
  ListOptions,
  PatchOptions,
  PatchType,
  WatchOptions,
  WriteOptions,
} from "./rest_options.ts";
import { type KubeConfigLike, type Transport, transportFrom } from "./transport.ts";

export type * from "./rest_options.ts";

const patchContentTypes: Record<PatchType, string> = {
  merge: "application/merge-patch+json",
  json: "application/json-patch+json",
  strategic: "application/strategic-merge-patch+json",
  apply: "application/apply-patch+yaml",
};

type Query = Record<string, string | number | boolean | undefined>;
type At = { namespace?: string | undefined; name?: string; subresource?: string | undefined };
interface Req {
  what: string;
  query?: Query;
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal | undefined;
  streaming?: boolean;
}

/** Told of every object a create, update or patch answered, with the resource written. */
export type WriteObserver = (resource: Resource, written: KubeObject) => void;

/** A REST client for one cluster; `close()` releases its connections. */
export class RestClient {
  /** Non-watch requests give up after this long. */
  requestTimeoutMs = 30_000;
  #observer: WriteObserver | undefined;

  constructor(readonly transport: Transport, readonly userAgent = "denovirt") {}

  /** A client on the same connections that tells `observer` of each object this one writes. */
  observingWrites(observer: WriteObserver): RestClient {
    const client = new RestClient(this.transport, this.userAgent);
    client.requestTimeoutMs = this.requestTimeoutMs;
    client.#observer = observer;
    return client;
  }

  /** A client for the current context of a client-node KubeConfig. */
  static fromKubeConfig(kc: KubeConfigLike): RestClient {
    return new RestClient(transportFrom(kc));
  }

  /** One object; throws ApiError (404 → `isNotFound`). */
  get<T extends KubeObject>(resource: Resource, ref: ObjectRef, signal?: AbortSignal): Promise<T> {
    return this.#json("GET", resource, ref, { what: "get", signal });
  }

  /** One page of objects; follow `metadata.continue` for more. */
  list<T extends KubeObject>(resource: Resource, opts: ListOptions = {}): Promise<ObjectList<T>> {
    const { namespace, signal, ...query } = opts;
    return this.#json("GET", resource, { namespace }, { what: "list", query, signal });
  }

  /** Create `obj`; its namespace comes from `opts.namespace` or its metadata. */
  create<T extends KubeObject>(resource: Resource, obj: T, opts: WriteOptions = {}): Promise<T> {
    const namespace = opts.namespace ?? obj.metadata?.namespace;
    return this.#written(
      resource,
      opts,
      this.#json("POST", resource, { namespace }, {
        what: "create",
        body: withTypeMeta(resource, obj),
        ...writeQuery(opts),
      }),
    );
  }

  /** Replace `obj` (its resourceVersion makes this safe against concurrent writers). */
  update<T extends KubeObject>(resource: Resource, obj: T, opts: WriteOptions = {}): Promise<T> {
    return this.#written(
      resource,
      opts,
      this.#json("PUT", resource, refOf(obj), {
        what: "update",
        body: withTypeMeta(resource, obj),
        ...writeQuery(opts),
      }),
    );
  }

  /** Replace the status subresource of `obj`. */
  updateStatus<T extends KubeObject>(
    resource: Resource,
    obj: T,
    opts: WriteOptions = {},
  ): Promise<T> {
    return this.#written(
      resource,
      opts,
      this.#json("PUT", resource, { ...refOf(obj), subresource: "status" }, {
        what: "update status of",
        body: withTypeMeta(resource, obj),
        ...writeQuery(opts),
      }),
    );
  }

  /** Patch one object (or its subresource) with the given patch flavour. */
  patch<T extends KubeObject>(
    resource: Resource,
    ref: ObjectRef,
    patch: unknown,
    opts: PatchOptions,
  ): Promise<T> {
    const query: Query = {
      ...writeQuery(opts).query,
      force: opts.type === "apply" ? opts.force : undefined,
    };
    return this.#written(
      resource,
      opts,
      this.#json("PATCH", resource, { ...ref, subresource: opts.subresource }, {
        what: "patch",
        body: patch,
        contentType: patchContentTypes[opts.type],
        query,
        signal: opts.signal,
      }),
    );
  }

  /** Delete one object; answers the object (while finalizers run) or a Status. */
  delete(
    resource: Resource,
    ref: ObjectRef,
    opts: DeleteOptions = {},
  ): Promise<KubeObject | Status> {
    const { signal, ...rest } = opts;
    const body = { apiVersion: "v1", kind: "DeleteOptions", ...rest };
    return this.#json("DELETE", resource, ref, { what: "delete", body, signal });
  }

  /** Watch events as they arrive; ends when the server closes the stream or `signal` aborts. */
  async *watch<T extends KubeObject>(
    resource: Resource,
    opts: WatchOptions = {},
  ): AsyncGenerator<WatchEvent<T>> {
    const { namespace, signal, ...query } = opts;
    try {
      const response = await this.#send("GET", resource, { namespace }, {
        what: "watch",
        query: { ...query, watch: true },
        signal,
        streaming: true,
      });
      if (!response.body) return;
      for await (const event of jsonLines(response.body)) yield event as WatchEvent<T>;
    } catch (error) {
      // Aborting is how callers stop a watch: that is an end, not a failure.
      if (!signal?.aborted) throw error;
    }
  }

  /**
   * A request to any path of the API server, such as an aggregated API's subresource: answers
   * the status and body text; throws ApiError ("Cannot <what>: ...", `what` the path by default).
   */
  async call(
    method: "GET" | "PUT" | "POST",
    path: string,
    opts: { body?: unknown; signal?: AbortSignal; what?: string } = {},
  ): Promise<{ status: number; text: string }> {
    const { what = path, ...req } = opts;
    const response = await this.#fetch(method, new URL(this.transport.server + path), req, what);
    return { status: response.status, text: await response.text() };
  }

  /** Release the HTTP client's connections. */
  close(): void {
    this.transport.close();
  }

  async #written<T extends KubeObject>(
    resource: Resource,
    opts: { dryRun?: boolean },
    answer: Promise<T>,
  ): Promise<T> {
    const written = await answer;
    // A dry run changes nothing the caches will see.
    if (this.#observer && !opts.dryRun && written?.metadata?.resourceVersion) {
      this.#observer(resource, written);
    }
    return written;
  }

  async #json<T>(method: string, resource: Resource, at: At, req: Req): Promise<T> {
    const response = await this.#send(method, resource, at, req);
    return await response.json() as T;
  }

  async #send(method: string, resource: Resource, at: At, req: Req): Promise<Response> {
    const url = new URL(this.transport.server + pathOf(resource, at));
    for (const [name, value] of Object.entries(req.query ?? {})) {
      if (value !== undefined && value !== "") url.searchParams.set(name, String(value));
    }
    const target = [at.namespace, at.name].filter(Boolean).join("/");
    return await this.#fetch(
      method,
      url,
      req,
      `${req.what} ${resourceName(resource)} ${target}`.trim(),
    );
  }

  async #fetch(method: string, url: URL, req: Omit<Req, "what">, what: string): Promise<Response> {
    const signals = req.streaming ? [] : [AbortSignal.timeout(this.requestTimeoutMs)];
    if (req.signal) signals.push(req.signal);
    const headers: Record<string, string> = {
      accept: "application/json",
      "user-agent": this.userAgent,
      ...this.transport.authHeaders(),
    };
    if (req.body !== undefined) headers["content-type"] = req.contentType ?? "application/json";
    const response = await fetch(url, {
      method,
      headers,
      body: req.body === undefined ? undefined : JSON.stringify(req.body),
      signal: signals.length ? AbortSignal.any(signals) : undefined,
      client: this.transport.client,
    });
    if (!response.ok) throw await apiErrorOf(response, what);
    return response;
  }
}

function refOf(obj: KubeObject): ObjectRef & { namespace: string | undefined } {
  const name = obj.metadata?.name;
  if (!name) throw new Error("Cannot write an object without metadata.name");
  return { namespace: obj.metadata?.namespace, name };
}

function writeQuery(opts: Omit<WriteOptions, "namespace">): { query: Query; signal?: AbortSignal } {
  const query: Query = { fieldManager: opts.fieldManager, dryRun: opts.dryRun ? "All" : undefined };
  return opts.signal ? { query, signal: opts.signal } : { query };
}

/** Fill in apiVersion and kind so callers can pass bare `{ metadata, spec }`. */
function withTypeMeta<T extends KubeObject>(resource: Resource, obj: T): T {
  return { apiVersion: apiVersionOf(resource), kind: resource.kind, ...obj };
}
