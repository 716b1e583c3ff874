/**
 * An in-memory API server for unit tests of controllers: lists, watches, gets, creates, merge
 * patches and deletes, with resourceVersions and uids, and a record of every write. Selectors
 * are ignored; patches of every type are applied as JSON merge patches (lists are replaced, and a
 * strategic patch's `{"$patch": "replace"}` list directive is dropped, as it asks for that).
 */
import { ApiError } from "../kube/api_error.ts";
import { keyOf, type KubeObject, type ObjectRef, type WatchEvent } from "../kube/object.ts";
import type { RestClient, WriteObserver } from "../kube/rest.ts";
import type { Resource } from "../kube/resources.ts";

type Obj = KubeObject & Record<string, unknown>;

/** One write the fake received. */
export interface FakeWrite {
  verb: "create" | "patch" | "delete";
  plural: string;
  key: string;
  body?: unknown;
  subresource?: string;
}

export class FakeApi {
  #objects = new Map<string, Map<string, Obj>>();
  #watchers = new Set<{ plural: string; push(event: WatchEvent<Obj>): void }>();
  /** Every change, so that a watch from a list's resourceVersion misses nothing. */
  #history: Array<{ rv: number; plural: string; event: WatchEvent<Obj> }> = [];
  #rv = 1;
  readonly writes: FakeWrite[] = [];
  /** Makes the next writes matching `verb plural` fail with this error, once each. */
  readonly failures: Array<{ verb: string; plural: string; error: Error }> = [];

  /** This fake as the REST client the roles take. */
  get rest(): RestClient {
    return this as unknown as RestClient;
  }

  /** As RestClient's: this fake, telling `observer` of each object a create or patch answers. */
  observingWrites(observer: WriteObserver): RestClient {
    const told = async (resource: Resource, answer: Promise<Obj>) => {
      const written = await answer;
      observer(resource, written);
      return written;
    };
    return new Proxy(this, {
      get: (target, prop) => {
        if (prop === "create") {
          return (resource: Resource, obj: Obj) => told(resource, target.create(resource, obj));
        }
        if (prop === "patch") {
          return (resource: Resource, ref: ObjectRef, patch: unknown, opts?: object) =>
            told(resource, target.patch(resource, ref, patch, opts));
        }
        const value = Reflect.get(target, prop, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    }) as unknown as RestClient;
  }

  #kind(plural: string): Map<string, Obj> {
    let objects = this.#objects.get(plural);
    if (!objects) this.#objects.set(plural, objects = new Map());
    return objects;
  }

  #notify(plural: string, type: "ADDED" | "MODIFIED" | "DELETED", obj: Obj): void {
    const event: WatchEvent<Obj> = { type, object: obj };
    this.#history.push({ rv: this.#rv, plural, event });
    for (const w of this.#watchers) if (w.plural === plural) w.push(event);
  }

  #fail(verb: string, plural: string): void {
    const at = this.failures.findIndex((f) => f.verb === verb && f.plural === plural);
    if (at >= 0) throw this.failures.splice(at, 1)[0]!.error;
  }

  /** The stored object, if any (no copy: do not change it). */
  find<T extends KubeObject>(plural: string, key: string): T | undefined {
    return this.#kind(plural).get(key) as T | undefined;
  }

  /** Stores `obj` as a client's write would, and tells the watchers. */
  put<T extends KubeObject>(resource: Resource, obj: T): T {
    const objects = this.#kind(resource.plural);
    const key = keyOf(obj);
    const old = objects.get(key);
    const stored = structuredClone({
      ...obj,
      metadata: {
        uid: old?.metadata?.uid ?? crypto.randomUUID(),
        creationTimestamp: new Date().toISOString(),
        ...obj.metadata,
        resourceVersion: String(++this.#rv),
      },
    }) as Obj;
    objects.set(key, stored);
    this.#notify(resource.plural, old ? "MODIFIED" : "ADDED", stored);
    return structuredClone(stored) as unknown as T;
  }

  list(resource: Resource) {
    return Promise.resolve({
      metadata: { resourceVersion: String(this.#rv) },
      items: [...this.#kind(resource.plural).values()].map((o) => structuredClone(o)),
    });
  }

  async *watch(resource: Resource, opts: { signal?: AbortSignal; resourceVersion?: string }) {
    const from = Number(opts.resourceVersion ?? this.#rv);
    const queue: WatchEvent<Obj>[] = this.#history
      .filter((h) => h.plural === resource.plural && h.rv > from)
      .map((h) => structuredClone(h.event));
    let wake: (() => void) | undefined;
    const watcher = {
      plural: resource.plural,
      push(event: WatchEvent<Obj>) {
        queue.push(structuredClone(event));
        wake?.();
      },
    };
    this.#watchers.add(watcher);
    try {
      while (!opts.signal?.aborted) {
        if (queue.length > 0) {
          yield queue.shift()!;
          continue;
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
          opts.signal?.addEventListener("abort", () => resolve(), { once: true });
        });
      }
    } finally {
      this.#watchers.delete(watcher);
    }
  }

  get(resource: Resource, ref: ObjectRef) {
    const obj = this.#kind(resource.plural).get(keyOfRef(ref));
    if (!obj) return Promise.reject(notFound(resource, ref));
    return Promise.resolve(structuredClone(obj));
  }

  create(resource: Resource, obj: Obj) {
    this.writes.push({ verb: "create", plural: resource.plural, key: keyOf(obj), body: obj });
    this.#fail("create", resource.plural);
    if (this.#kind(resource.plural).has(keyOf(obj))) {
      return Promise.reject(new ApiError(`${keyOf(obj)} already exists`, 409, "AlreadyExists"));
    }
    return Promise.resolve(this.put(resource, obj));
  }

  async patch(resource: Resource, ref: ObjectRef, patch: unknown, opts?: { subresource?: string }) {
    this.writes.push({
      verb: "patch",
      plural: resource.plural,
      key: keyOfRef(ref),
      body: patch,
      ...(opts?.subresource ? { subresource: opts.subresource } : {}),
    });
    this.#fail("patch", resource.plural);
    const current = await this.get(resource, ref);
    const wanted = (patch as KubeObject)?.metadata?.resourceVersion;
    if (wanted && wanted !== current.metadata?.resourceVersion) {
      throw new ApiError("the object has been modified", 409, "Conflict");
    }
    return this.put(resource, mergePatch(current, patch) as Obj);
  }

  delete(resource: Resource, ref: ObjectRef) {
    this.writes.push({ verb: "delete", plural: resource.plural, key: keyOfRef(ref) });
    this.#fail("delete", resource.plural);
    const objects = this.#kind(resource.plural);
    const obj = objects.get(keyOfRef(ref));
    if (!obj) return Promise.reject(notFound(resource, ref));
    objects.delete(keyOfRef(ref));
    this.#rv++;
    this.#notify(resource.plural, "DELETED", obj);
    return Promise.resolve(obj);
  }
}

const keyOfRef = (ref: ObjectRef) => ref.namespace ? `${ref.namespace}/${ref.name}` : ref.name;

const notFound = (resource: Resource, ref: ObjectRef) =>
  new ApiError(`${resource.plural} "${ref.name}" not found`, 404, "NotFound");

/** RFC 7386: null removes, objects merge, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (Array.isArray(patch)) {
    return patch.filter((item) => !(typeof item === "object" && item !== null && "$patch" in item));
  }
  if (typeof patch !== "object" || patch === null) return patch;
  const result: Record<string, unknown> = typeof target === "object" && target !== null
    ? { ...(target as Record<string, unknown>) }
    : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}
