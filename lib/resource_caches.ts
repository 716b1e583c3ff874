/** The Manager's caches: one Reflector per watched resource, made on first use. */
import type { ReadonlyStore } from "./cache.ts";
import type { KubeObject } from "./kube/object.ts";
import { apiVersionOf, type Resource, resourceName } from "./kube/resources.ts";
import type { Logger } from "./log.ts";
import type { ManagerOptions } from "./manager_options.ts";
import { Reflector } from "./watch.ts";
import { restListWatch } from "./watch_source.ts";

/** One resource's identity among the caches: its API version and plural. */
export const idOf = (r: Resource) => `${apiVersionOf(r)}/${r.plural}`;

/** A Reflector per resource, from the API server or the options' sources, narrowed as asked. */
export class ResourceCaches {
  #opts: ManagerOptions;
  #log: Logger;
  #reflectors = new Map<string, Reflector>();

  constructor(opts: ManagerOptions, log: Logger) {
    this.#opts = opts;
    this.#log = log;
  }

  /** The cache of a watched resource. */
  store<T extends KubeObject = KubeObject>(resource: Resource): ReadonlyStore<T> {
    const reflector = this.#reflectors.get(idOf(resource));
    if (!reflector) {
      throw new Error(`Cannot read ${resourceName(resource)} from the cache: nothing watches it`);
    }
    return reflector.store as unknown as ReadonlyStore<T>;
  }

  /** The Reflector of `resource`, made on first use. */
  reflectorFor(resource: Resource): Reflector {
    const id = idOf(resource);
    let reflector = this.#reflectors.get(id);
    if (reflector) return reflector;
    const { resource: _, ...selection } =
      this.#opts.selections?.find((s) => idOf(s.resource) === id) ?? { resource };
    const namespace = resource.namespaced ? this.#opts.namespace : undefined;
    const source = this.#opts.sourceFor?.(resource) ?? restListWatch(this.#opts.rest, resource, {
      ...(namespace ? { namespace } : {}),
      ...selection,
    });
    reflector = new Reflector({
      ...this.#opts.reflector,
      source,
      name: resourceName(resource),
      log: this.#log,
    });
    this.#reflectors.set(id, reflector);
    return reflector;
  }
}
