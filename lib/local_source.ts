/**
 * A ChangeSource whose changes come from the process itself (a pull that ended, say): `set` and
 * `delete` update its store and tell the subscribers, which map the objects to keys as they do
 * for any watch. Synced from the start: there is nothing to list.
 */
import type { ChangeHandler, ChangeSource } from "./change_source.ts";
import { Store } from "./cache.ts";
import { keyOf, type KubeObject } from "./kube/object.ts";

export class LocalSource<T extends KubeObject> implements ChangeSource<T> {
  readonly store = new Store<T>();
  #handlers = new Set<ChangeHandler<T>>();

  constructor(readonly name: string) {
    this.store.replace([]);
  }

  get hasSynced(): boolean {
    return true;
  }

  onChange(handler: ChangeHandler<T>): () => void {
    this.#handlers.add(handler);
    return () => this.#handlers.delete(handler);
  }

  start(): void {}

  synced(): Promise<void> {
    return Promise.resolve();
  }

  stop(): Promise<void> {
    return Promise.resolve();
  }

  /** Puts `obj` (replacing the one of the same key) and tells every subscriber. */
  set(obj: T): void {
    const old = this.store.upsert(obj);
    for (const handler of this.#handlers) handler(old, obj);
  }

  /** Removes the object under `key`, telling the subscribers if there was one. */
  delete(key: string): void {
    const old = this.store.delete(key);
    if (!old) return;
    for (const handler of this.#handlers) handler(old, undefined);
  }

  /** Removes every object `matches` holds for. */
  deleteWhere(matches: (obj: T) => boolean): void {
    for (const obj of this.store.list()) if (matches(obj)) this.delete(keyOf(obj));
  }
}
