/** The controller contract: a plain object naming what it watches and how it reconciles a key. */
import type { BackoffPolicy } from "./backoff.ts";
import type { IndexFunc, ReadonlyStore } from "./cache.ts";
import type { ChangeSource } from "./change_source.ts";
import type { EventRecorder } from "./events.ts";
import { keyFor, keyOf, type KubeObject } from "./kube/object.ts";
import type { RestClient } from "./kube/rest.ts";
import type { Resource } from "./kube/resources.ts";
import type { Logger } from "./log.ts";

/**
 * What a reconcile may ask for besides success: another pass at once (it changed what it acts
 * on and wants to look again before other keys), or after a delay (a deadline, a poll).
 */
export interface ReconcileResult {
  requeue?: "now";
  requeueAfterMs?: number;
}

/** Read access to the caches of every resource the Manager watches. */
export type CacheReader = <U extends KubeObject = KubeObject>(
  resource: Resource,
) => ReadonlyStore<U>;

/** What a reconcile gets besides its key. */
export interface ReconcileContext<T extends KubeObject = KubeObject> {
  readonly key: string;
  readonly namespace: string | undefined;
  readonly name: string;
  /** The `for` object under the key as cached now; undefined when it is gone. */
  readonly object: T | undefined;
  /** The cache of any resource the manager watches. Objects are shared: clone before editing. */
  readonly cache: CacheReader;
  readonly rest: RestClient;
  readonly events: EventRecorder;
  /** Carries `controller` and `key` on every line. */
  readonly log: Logger;
  /** Aborts when the manager stops or loses leadership: pass it to long calls. */
  readonly signal: AbortSignal;
}

/** Changes of something else that map to keys of the controller's `for` resource. */
export type Watch =
  /** A resource of the API server (cached by the Manager). */
  | { resource: Resource; mapToKeys(obj: KubeObject, cache: CacheReader): string[] }
  /** Another source of changes, e.g. libvirt's domains; the Manager starts and stops it. */
  | { source: ChangeSource; mapToKeys(obj: KubeObject, cache: CacheReader): string[] };

/** A secondary index a controller needs on a cache, declared up front. */
export interface IndexDeclaration {
  resource: Resource;
  name: string;
  index: IndexFunc<KubeObject>;
}

/** A controller. Every change maps to keys; `reconcile` converges one key to its desired state. */
export interface Controller<T extends KubeObject = KubeObject> {
  name: string;
  /** The primary resource: each object is one key. */
  for: Resource;
  /** Resources this controller creates: changes enqueue the owner (controller ownerReference). */
  owns?: Resource[];
  /** Other resources or sources whose changes matter, with their own key mapping. */
  watches?: Watch[];
  /** Indexes this controller reads (`byIndex`) on any cache, added before the caches fill. */
  indexes?: IndexDeclaration[];
  /** Key of a primary object; default `namespace/name`. Undefined skips the object. */
  keyOf?(obj: T): string | undefined;
  /** Keys reconciled whenever a term starts, even without an object (e.g. a Node to create). */
  seedKeys?(): string[];
  /**
   * Start reconciling at once, before the caches' first lists (default: after them). For work
   * that must not wait for the API server; such a reconcile reads the API server, not the caches.
   */
  startsBeforeSync?: boolean;
  /** Keys reconciled at once. Default 2. */
  concurrency?: number;
  /** Delays between retries of a failing key; default the Manager's. */
  backoff?: BackoffPolicy;
  /**
   * Converge one key. Throw to retry with backoff; throw a TerminalError for what retrying cannot
   * fix. Also called when the object is gone (then `ctx.object` is undefined).
   */
  reconcile(key: string, ctx: ReconcileContext<T>): Promise<ReconcileResult | void>;
}

/** Keys of the `owner`-kind controllers of `obj`, from its ownerReferences. */
export function ownerKeysOf(obj: KubeObject, owner: Resource): string[] {
  const namespace = owner.namespaced ? obj.metadata?.namespace : undefined;
  return (obj.metadata?.ownerReferences ?? [])
    .filter((ref) =>
      ref.controller === true && ref.kind === owner.kind && groupOf(ref.apiVersion) === owner.group
    )
    .map((ref) => keyFor(namespace, ref.name));
}

const groupOf = (apiVersion: string) => apiVersion.includes("/") ? apiVersion.split("/")[0] : "";

/** Where a controller's changes come from: a resource the Manager caches, or a source of its own. */
export type Origin = { resource: Resource } | { source: ChangeSource };

/** How changes of each origin become keys of `controller`, one mapper per origin. */
export function keyMappersOf(
  controller: Controller,
): Array<{ origin: Origin; keysOf: (obj: KubeObject, cache: CacheReader) => string[] }> {
  const primary = (obj: KubeObject) => {
    const key = controller.keyOf ? controller.keyOf(obj) : keyOf(obj);
    return key === undefined ? [] : [key];
  };
  return [
    { origin: { resource: controller.for }, keysOf: primary },
    ...(controller.owns ?? []).map((resource) => ({
      origin: { resource },
      keysOf: (obj: KubeObject) => ownerKeysOf(obj, controller.for),
    })),
    ...(controller.watches ?? []).map((w) => ({
      origin: "source" in w ? { source: w.source } : { resource: w.resource },
      keysOf: w.mapToKeys,
    })),
  ];
}
