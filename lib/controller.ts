/** The controller contract: a plain object naming what it watches and how it reconciles a key. */
import type { ReadonlyStore } from "./cache.ts";
import type { EventRecorder } from "./events.ts";
import { keyFor, keyOf, type KubeObject } from "./kube/object.ts";
import type { RestClient } from "./kube/rest.ts";
import type { Resource } from "./kube/resources.ts";
import type { Logger } from "./log.ts";

/** What a reconcile may ask for: another pass after a delay (e.g. to poll an external state). */
export interface ReconcileResult {
  requeueAfterMs?: number;
}

/** What a reconcile gets besides its key. */
export interface ReconcileContext<T extends KubeObject = KubeObject> {
  readonly key: string;
  readonly namespace: string | undefined;
  readonly name: string;
  /** The `for` object under the key as cached now; undefined when it is gone. */
  readonly object: T | undefined;
  /** The cache of any resource the manager watches. Objects are shared: clone before editing. */
  cache<U extends KubeObject = KubeObject>(resource: Resource): ReadonlyStore<U>;
  readonly rest: RestClient;
  readonly events: EventRecorder;
  /** Carries `controller` and `key` on every line. */
  readonly log: Logger;
  /** Aborts when the manager stops or loses leadership: pass it to long calls. */
  readonly signal: AbortSignal;
}

/** A secondary resource whose changes map to keys of the controller's `for` resource. */
export interface Watch {
  resource: Resource;
  mapToKeys(obj: KubeObject): string[];
}

/** A controller. Every change maps to keys; `reconcile` converges one key to its desired state. */
export interface Controller<T extends KubeObject = KubeObject> {
  name: string;
  /** The primary resource: each object is one key. */
  for: Resource;
  /** Resources this controller creates: changes enqueue the owner (controller ownerReference). */
  owns?: Resource[];
  /** Other resources whose changes matter, with their own key mapping. */
  watches?: Watch[];
  /** Key of a primary object; default `namespace/name`. Undefined skips the object. */
  keyOf?(obj: T): string | undefined;
  /** Keys reconciled at once. Default 2. */
  concurrency?: number;
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

/** How changes of each resource become keys of `controller`, one mapper per resource. */
export function keyMappersOf(
  controller: Controller,
): Array<{ resource: Resource; keysOf: (obj: KubeObject) => string[] }> {
  const primary = (obj: KubeObject) => {
    const key = controller.keyOf ? controller.keyOf(obj) : keyOf(obj);
    return key === undefined ? [] : [key];
  };
  return [
    { resource: controller.for, keysOf: primary },
    ...(controller.owns ?? []).map((resource) => ({
      resource,
      keysOf: (obj: KubeObject) => ownerKeysOf(obj, controller.for),
    })),
    ...(controller.watches ?? []).map((w) => ({ resource: w.resource, keysOf: w.mapToKeys })),
  ];
}
