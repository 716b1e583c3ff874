/** Anything a controller can watch: a store kept current, and word of each change to it. */
import type { ReadonlyStore } from "./cache.ts";
import type { KubeObject } from "./kube/object.ts";

/** Told of every change: `old` absent for a new object, `current` absent for a deleted one. */
export type ChangeHandler<T> = (old: T | undefined, current: T | undefined) => void;

/**
 * A watched collection: a Reflector over the API server, or one over another system (the
 * agent's libvirt domains). The Manager starts it, waits for its first list, maps its changes
 * to keys, and stops it.
 */
export interface ChangeSource<T extends KubeObject = KubeObject> {
  /** Names the source in logs, e.g. `pods` or `libvirt domains`. */
  readonly name: string;
  readonly store: ReadonlyStore<T>;
  readonly hasSynced: boolean;
  /** Subscribe to changes; answers the unsubscribe function. Handlers should only enqueue keys. */
  onChange(handler: ChangeHandler<T>): () => void;
  start(): void;
  /** Resolves after the first list is in the store. */
  synced(): Promise<void>;
  /** Stops watching; resolves once it has. */
  stop(): Promise<void>;
}
