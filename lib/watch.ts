/** The Reflector: keeps a Store in step with the API server through list + watch. */
import { Backoff, type BackoffPolicy, jittered, sleep } from "./backoff.ts";
import { dropManagedFields, Store } from "./cache.ts";
import { messageOf } from "./errors.ts";
import { ApiError, apiErrorOfStatus, isGone, isTooManyRequests } from "./kube/api_error.ts";
import { keyOf, type KubeObject, type WatchEvent } from "./kube/object.ts";
import { type Logger, logger } from "./log.ts";
import type { ChangeHandler, ChangeSource } from "./change_source.ts";
import type { ListWatchSource } from "./watch_source.ts";

export type { ListResult, ListWatchSource, Selection } from "./watch_source.ts";
export { restListWatch } from "./watch_source.ts";

export type { ChangeHandler } from "./change_source.ts";

/** Options of a Reflector. */
export interface ReflectorOptions<T extends KubeObject> {
  source: ListWatchSource<T>;
  /** Names the reflector in logs, e.g. `pods`. */
  name: string;
  store?: Store<T>;
  log?: Logger;
  /** Reconnect when nothing (not even a bookmark) arrived for this long. Default 2 min. */
  quietTimeoutMs?: number;
  /** Server-side watch timeout; default 5-10 min so that many clients do not reconnect at once. */
  watchTimeoutSeconds?: number;
  /** Full relist period (±10 %), to notice what a watch missed; 0 disables. Default 10 min. */
  resyncMs?: number;
  /** Delays after failures. Default 200 ms doubling to 30 s, ±20 %. */
  backoff?: BackoffPolicy;
  /** Applied to each object before it is stored; default drops managedFields to save memory. */
  transform?: (obj: T) => T;
}

type WatchOutcome = "ended" | "empty" | "quiet" | "relist";

/** Lists, then watches from the list's resourceVersion, relisting and reconnecting as needed. */
export class Reflector<T extends KubeObject = KubeObject> implements ChangeSource<T> {
  readonly store: Store<T>;
  readonly name: string;
  #opts: ReflectorOptions<T>;
  #log: Logger;
  #handlers = new Set<ChangeHandler<T>>();
  #stop = new AbortController();
  #loop: Promise<void> | undefined;
  #rv: string | undefined;
  #relistAt = 0;
  #healthy = false;
  #synced: Promise<void>;
  #markSynced!: () => void;

  constructor(opts: ReflectorOptions<T>) {
    this.#opts = opts;
    this.name = opts.name;
    this.store = opts.store ?? new Store<T>();
    this.#log = (opts.log ?? logger()).with({ reflector: opts.name });
    this.#synced = new Promise((resolve) => this.#markSynced = resolve);
  }

  /** Subscribe to changes; answers the unsubscribe function. Handlers should only enqueue keys. */
  onChange(handler: ChangeHandler<T>): () => void {
    this.#handlers.add(handler);
    return () => this.#handlers.delete(handler);
  }

  /** Begin listing and watching in the background. */
  start(): void {
    this.#loop ??= this.#run();
  }

  /** Stop watching; resolves once the loop has ended. */
  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#loop;
  }

  /** True once the first list is in the store. */
  get hasSynced(): boolean {
    return this.store.hasSynced;
  }

  /** True while the last list or watch succeeded: the store follows its source. */
  get healthy(): boolean {
    return this.#healthy;
  }

  /** Resolves after the first list is in the store. */
  synced(): Promise<void> {
    return this.#synced;
  }

  /** The resourceVersion the next watch starts from (undefined: the next step is a list). */
  get resourceVersion(): string | undefined {
    return this.#rv;
  }

  async #run(): Promise<void> {
    const signal = this.#stop.signal;
    const backoff = new Backoff(
      this.#opts.backoff ?? { baseMs: 200, maxMs: 30_000, factor: 2, jitter: 0.2 },
    );
    while (!signal.aborted) {
      try {
        if (this.#rv === undefined || Date.now() >= this.#relistAt) await this.#list(signal);
        const outcome = await this.#watch(signal);
        // A watch that closes at once without a single event would otherwise spin.
        if (outcome === "empty") await sleep(backoff.next(), signal);
        else if (outcome === "quiet") this.#log.info("Watch went quiet; reconnecting");
        else backoff.reset();
      } catch (error) {
        if (signal.aborted) break;
        this.#healthy = false;
        if (isGone(error)) this.#rv = undefined;
        const retryAfter = error instanceof ApiError && isTooManyRequests(error)
          ? error.retryAfterSeconds
          : undefined;
        const delayMs = retryAfter !== undefined ? retryAfter * 1_000 : backoff.next();
        // The first 410 after a healthy watch is routine (etcd compaction): relist at once.
        if (isGone(error) && backoff.attempts === 1) {
          this.#log.info("Resource version expired; relisting", { error: messageOf(error) });
          continue;
        }
        this.#log.warn("List or watch failed; retrying", { error: messageOf(error), delayMs });
        await sleep(delayMs, signal);
      }
    }
  }

  async #list(signal: AbortSignal): Promise<void> {
    const result = await this.#opts.source.list(signal);
    const transform = this.#opts.transform ?? dropManagedFields;
    const diff = this.store.replace(result.items.map(transform));
    this.#rv = result.resourceVersion;
    this.#healthy = true;
    const resyncMs = this.#opts.resyncMs ?? 600_000;
    this.#relistAt = resyncMs > 0 ? Date.now() + jittered(resyncMs, 0.1) : Infinity;
    this.#markSynced();
    for (const obj of diff.added) this.#notify(undefined, obj);
    for (const { old, new: current } of diff.updated) this.#notify(old, current);
    for (const obj of diff.deleted) this.#notify(obj, undefined);
  }

  async #watch(stop: AbortSignal): Promise<WatchOutcome> {
    const controller = new AbortController();
    const abort = () => controller.abort();
    stop.addEventListener("abort", abort, { once: true });
    if (stop.aborted) return "ended";
    const quietMs = this.#opts.quietTimeoutMs ?? 120_000;
    let timedOut: "quiet" | "relist" | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const arm = () => {
      clearTimeout(timer);
      const untilRelist = this.#relistAt - Date.now();
      timer = setTimeout(() => {
        timedOut = untilRelist <= quietMs ? "relist" : "quiet";
        controller.abort();
      }, Math.max(0, Math.min(quietMs, untilRelist)));
    };
    arm();
    let events = 0;
    try {
      const stream = this.#opts.source.watch({
        resourceVersion: this.#rv ?? "",
        timeoutSeconds: this.#opts.watchTimeoutSeconds ?? 300 + Math.floor(Math.random() * 300),
        signal: controller.signal,
      });
      for await (const event of stream) {
        arm();
        events++;
        this.#apply(event);
        if (Date.now() >= this.#relistAt) return "relist";
      }
      return timedOut ?? (events > 0 ? "ended" : "empty");
    } catch (error) {
      if (timedOut) return timedOut;
      throw error;
    } finally {
      clearTimeout(timer);
      controller.abort();
      stop.removeEventListener("abort", abort);
    }
  }

  #apply(event: WatchEvent<T>): void {
    if (event.type === "ERROR") throw apiErrorOfStatus(event.object, `watch ${this.name}`);
    const rv = event.object.metadata?.resourceVersion;
    if (event.type === "BOOKMARK") {
      if (rv) this.#rv = rv;
      return;
    }
    const obj = (this.#opts.transform ?? dropManagedFields)(event.object);
    if (event.type === "DELETED") {
      this.#notify(this.store.delete(keyOf(obj)) ?? obj, undefined);
    } else {
      const old = this.store.upsert(obj);
      if (old?.metadata?.resourceVersion !== rv || !old) this.#notify(old, obj);
    }
    if (rv) this.#rv = rv;
  }

  #notify(old: T | undefined, current: T | undefined): void {
    for (const handler of this.#handlers) {
      try {
        handler(old, current);
      } catch (error) {
        this.#log.error("Change handler failed", { error: messageOf(error) });
      }
    }
  }
}
