/** A per-kind store of objects keyed by `namespace/name`, with secondary indexes. */
import { keyOf, type KubeObject } from "./kube/object.ts";

/** The index values of an object (an object may sit under several values, or none). */
export type IndexFunc<T> = (obj: T) => string[];

/** Index by the UIDs of the object's owners. */
export const byOwner: IndexFunc<KubeObject> = (obj) =>
  (obj.metadata?.ownerReferences ?? []).map((ref) => ref.uid);

/** Index by the node an object is bound to: `status.nodeName` (VMIs) or `spec.nodeName` (pods). */
export const byNode: IndexFunc<KubeObject> = (obj) => {
  const o = obj as { status?: { nodeName?: unknown }; spec?: { nodeName?: unknown } };
  const node = o.status?.nodeName || o.spec?.nodeName;
  return typeof node === "string" && node ? [node] : [];
};

/** Index by namespace (cluster-scoped objects are left out). */
export const byNamespace: IndexFunc<KubeObject> = (obj) =>
  obj.metadata?.namespace ? [obj.metadata.namespace] : [];

/** Drop metadata.managedFields: often the biggest part of an object, and never read here. */
export function dropManagedFields<T extends KubeObject>(obj: T): T {
  if (!obj.metadata?.managedFields) return obj;
  const { managedFields: _, ...metadata } = obj.metadata;
  return { ...obj, metadata };
}

/** What a full replace changed, so the reflector can notify about each change. */
export interface ReplaceDiff<T> {
  added: T[];
  updated: Array<{ old: T; new: T }>;
  deleted: T[];
}

/** Read access to a Store: what reconcilers get. Treat objects as frozen; clone before editing. */
export interface ReadonlyStore<T extends KubeObject = KubeObject> {
  readonly hasSynced: boolean;
  readonly size: number;
  get(key: string): T | undefined;
  list(): T[];
  keys(): string[];
  byIndex(index: string, value: string): T[];
}

/** The objects of one kind, as last seen by its reflector. */
export class Store<T extends KubeObject = KubeObject> implements ReadonlyStore<T> {
  #items = new Map<string, T>();
  #indexers = new Map<string, IndexFunc<T>>();
  #indexes = new Map<string, Map<string, Set<string>>>();
  #synced = false;

  /** A store with the `byOwner`, `byNode` and `byNamespace` indexes plus `indexers`. */
  constructor(indexers: Record<string, IndexFunc<T>> = {}) {
    const all = { byOwner, byNode, byNamespace, ...indexers } as Record<string, IndexFunc<T>>;
    for (const [name, fn] of Object.entries(all)) this.addIndexer(name, fn);
  }

  /** Add (or replace) a named index; existing objects are indexed at once. */
  addIndexer(name: string, fn: IndexFunc<T>): void {
    this.#indexers.set(name, fn);
    const index = new Map<string, Set<string>>();
    this.#indexes.set(name, index);
    for (const [key, obj] of this.#items) this.#indexOne(index, fn, key, obj);
  }

  /** True once the first full list went in. */
  get hasSynced(): boolean {
    return this.#synced;
  }

  /** How many objects are stored. */
  get size(): number {
    return this.#items.size;
  }

  /** The object under `key`, if any. */
  get(key: string): T | undefined {
    return this.#items.get(key);
  }

  /** Every stored object. */
  list(): T[] {
    return [...this.#items.values()];
  }

  /** Every stored key. */
  keys(): string[] {
    return [...this.#items.keys()];
  }

  /** The objects whose index `index` holds `value`; throws for an unknown index. */
  byIndex(index: string, value: string): T[] {
    const entries = this.#indexes.get(index);
    if (!entries) throw new Error(`Cannot look up index "${index}": no such index`);
    const keys = entries.get(value);
    if (!keys) return [];
    return [...keys].map((key) => this.#items.get(key)).filter((o): o is T => o !== undefined);
  }

  /** Insert or replace `obj`; answers what it replaced. */
  upsert(obj: T): T | undefined {
    const key = keyOf(obj);
    const old = this.#items.get(key);
    if (old) this.#unindex(key, old);
    this.#items.set(key, obj);
    for (const [name, fn] of this.#indexers) this.#indexOne(this.#indexes.get(name)!, fn, key, obj);
    return old;
  }

  /** Remove the object under `key`; answers what was removed. */
  delete(key: string): T | undefined {
    const old = this.#items.get(key);
    if (!old) return undefined;
    this.#unindex(key, old);
    this.#items.delete(key);
    return old;
  }

  /** Make the store hold exactly `objs` (a full list) and mark it synced; answers the changes. */
  replace(objs: T[]): ReplaceDiff<T> {
    const diff: ReplaceDiff<T> = { added: [], updated: [], deleted: [] };
    const seen = new Set<string>();
    for (const obj of objs) {
      seen.add(keyOf(obj));
      const old = this.upsert(obj);
      if (!old) diff.added.push(obj);
      else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion) {
        diff.updated.push({ old, new: obj });
      }
    }
    // Whatever the list no longer has was deleted while we were not watching.
    for (const key of [...this.#items.keys()]) {
      if (!seen.has(key)) diff.deleted.push(this.delete(key)!);
    }
    this.#synced = true;
    return diff;
  }

  #indexOne(index: Map<string, Set<string>>, fn: IndexFunc<T>, key: string, obj: T): void {
    for (const value of fn(obj)) {
      let keys = index.get(value);
      if (!keys) index.set(value, keys = new Set());
      keys.add(key);
    }
  }

  #unindex(key: string, obj: T): void {
    for (const [name, fn] of this.#indexers) {
      const index = this.#indexes.get(name)!;
      for (const value of fn(obj)) {
        const keys = index.get(value);
        keys?.delete(key);
        if (keys?.size === 0) index.delete(value);
      }
    }
  }
}
