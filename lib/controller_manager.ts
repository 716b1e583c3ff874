/** The Manager: shared reflectors and caches, leader election, and the workers of each controller. */
import type { ReadonlyStore } from "./cache.ts";
import type { ChangeSource } from "./change_source.ts";
import {
  type CacheReader,
  type Controller,
  keyMappersOf,
  type ReconcileContext,
  type ReconcileResult,
} from "./controller.ts";
import { messageOf, TerminalError } from "./errors.ts";
import { OwnWrites } from "./own_writes.ts";
import { type EventRecorder, RestEventRecorder } from "./events.ts";
import { ApiError, isConflict } from "./kube/api_error.ts";
import { keyOf, type KubeObject, splitKey } from "./kube/object.ts";
import type { RestClient } from "./kube/rest.ts";
import { apiVersionOf, type Resource, resourceName } from "./kube/resources.ts";
import { type LeaderElectionOptions, LeaderElector, restLeaseStore } from "./leader.ts";
import { type Logger, logger } from "./log.ts";
import { WorkQueue, type WorkQueueOptions } from "./queue.ts";
import { type QueueMetrics, queueMetricsOf } from "./metrics/queue_metrics.ts";
import type { Registry } from "./metrics/registry.ts";
import { Reflector, type ReflectorOptions } from "./watch.ts";
import { type ListWatchSource, restListWatch, type Selection } from "./watch_source.ts";

/** Options of a Manager. */
export interface ManagerOptions {
  rest: RestClient;
  controllers: Controller[];
  /** Names the process in logs and as the Events' source. Default `denovirt`. */
  component?: string;
  log?: Logger;
  events?: EventRecorder;
  /** Watch only this namespace; default all. */
  namespace?: string;
  /** Narrow what is cached of a resource (keeps memory small), e.g. launcher pods only. */
  selections?: Array<{ resource: Resource } & Selection>;
  /** Resources to cache for reads without mapping their changes to keys. */
  caches?: Resource[];
  /** Lease to hold before reconciling; without it every replica reconciles. */
  leaderElection?:
    & { namespace: string; name: string }
    & Omit<LeaderElectionOptions, "store" | "log">;
  reflector?: Pick<ReflectorOptions<KubeObject>, "quietTimeoutMs" | "resyncMs" | "backoff">;
  queue?: Pick<WorkQueueOptions, "backoff" | "clock">;
  /** Where lists and watches come from; default the API server (tests inject fakes). */
  sourceFor?: (resource: Resource) => ListWatchSource<KubeObject>;
  /** Where the work queues' depth, reconcile latency and retries are reported; default nowhere. */
  metrics?: Registry;
}

const idOf = (r: Resource) => `${apiVersionOf(r)}/${r.plural}`;

/** Passes of one key in a row when each asks to look again at once; then it queues as others do. */
const MAX_PASSES_IN_A_ROW = 3;

/** Runs controllers: caches first, then (when leading) one queue and its workers per controller. */
export class Manager {
  #opts: ManagerOptions;
  #log: Logger;
  #events: EventRecorder;
  #reflectors = new Map<string, Reflector>();
  #sources = new Set<ChangeSource>();
  #queues = new Map<string, WorkQueue>();
  /** Per controller: its writes to its own objects that its cache has not shown yet. */
  #ownWrites = new Map<string, OwnWrites>();
  #elector: LeaderElector | undefined;
  #metrics: QueueMetrics | undefined;
  readonly #cache: CacheReader = <U extends KubeObject>(resource: Resource) =>
    this.store<U>(resource);

  constructor(opts: ManagerOptions) {
    this.#opts = opts;
    const component = opts.component ?? "denovirt";
    this.#log = opts.log ?? logger({ component });
    this.#events = opts.events ??
      new RestEventRecorder({ rest: opts.rest, component, log: this.#log });
    for (const controller of opts.controllers) {
      for (const { origin, keysOf } of keyMappersOf(controller)) {
        const source = "source" in origin ? origin.source : this.#reflectorFor(origin.resource);
        this.#sources.add(source);
        source.onChange((old, current) => {
          const queue = this.#queues.get(controller.name);
          if (!queue) return; // Not leading: the next session enqueues every key anyway.
          const keys = new Set([
            ...(old ? keysOf(old, this.#cache) : []),
            ...(current ? keysOf(current, this.#cache) : []),
          ]);
          for (const key of keys) queue.add(key);
        });
      }
    }
    for (const resource of opts.caches ?? []) this.#reflectorFor(resource);
    for (const controller of opts.controllers) {
      for (const { resource, name, index } of controller.indexes ?? []) {
        this.#reflectorFor(resource).store.addIndexer(name, index);
      }
    }
    if (opts.metrics) this.#metrics = queueMetricsOf(opts.metrics, () => this.#queues);
    const election = opts.leaderElection;
    if (election) {
      this.#elector = new LeaderElector({
        ...election,
        store: restLeaseStore(opts.rest, election),
        log: this.#log,
      });
    }
  }

  /** The cache of a watched resource. */
  store<T extends KubeObject = KubeObject>(resource: Resource): ReadonlyStore<T> {
    const reflector = this.#reflectors.get(idOf(resource));
    if (!reflector) {
      throw new Error(`Cannot read ${resourceName(resource)} from the cache: nothing watches it`);
    }
    return reflector.store as unknown as ReadonlyStore<T>;
  }

  /** True once every cache and source has its first list (for readiness probes). */
  get hasSynced(): boolean {
    return [...this.#sources].every((s) => s.hasSynced);
  }

  /** True while this replica reconciles (always, without leader election). */
  get isLeader(): boolean {
    return this.#elector ? this.#elector.isLeader : this.#queues.size > 0;
  }

  /** Calls `listener` with the old and new object on every change of a watched resource's cache. */
  onChange<T extends KubeObject>(
    resource: Resource,
    listener: (old: T | undefined, current: T | undefined) => void,
  ): void {
    this.#reflectorFor(resource).onChange((old, current) =>
      listener(old as T | undefined, current as T | undefined)
    );
  }

  /** Reconcile `key` of the named controller soon (no-op while not leading). */
  enqueue(controller: string, key: string): void {
    this.#queues.get(controller)?.add(key);
  }

  /** Resolves once no key waits or runs in any controller (delayed keys aside): for tests. */
  async whenQuiet(): Promise<void> {
    for (let settled = false; !settled;) {
      await Promise.all([...this.#queues.values()].map((q) => q.whenQuiet()));
      settled = [...this.#queues.values()].every((q) => q.length === 0 && q.inFlight === 0);
    }
  }

  /** Run until `stop` aborts; then stop watches, let reconciles finish and release the Lease. */
  async run(stop: AbortSignal): Promise<void> {
    const sources = [...this.#sources];
    for (const source of sources) source.start();
    const synced = Promise.all(sources.map((s) => s.synced()));
    const stopped = new Promise<void>((resolve) => {
      if (stop.aborted) resolve();
      stop.addEventListener("abort", () => resolve(), { once: true });
    });
    // Watches stop at once; reconciles in flight finish on what the caches hold.
    const sourcesStopped = stopped.then(() => Promise.all(sources.map((s) => s.stop())));
    let session: Promise<void> | undefined;
    const lead = (leading: AbortSignal) => {
      if (!leading.aborted) session = this.#session(leading, synced);
    };
    if (this.#elector) {
      // The elector aborts `leading` first, which shuts the queues; then awaits the drain.
      await this.#elector.run(stop, {
        onStartedLeading: (leading) => lead(leading),
        onStoppedLeading: () => session,
      });
    } else {
      lead(stop);
      await stopped;
    }
    await Promise.all([session, sourcesStopped]);
    this.#log.info("Manager stopped");
  }

  /**
   * One leadership term: a queue per controller seeded with every key, workers until `leading`
   * ends. Controllers start once every cache has its first list, or at once if they ask to.
   */
  async #session(leading: AbortSignal, synced: Promise<unknown>): Promise<void> {
    const ended = new Promise<void>((resolve) => {
      if (leading.aborted) resolve();
      leading.addEventListener("abort", () => resolve(), { once: true });
    });
    const cachesReady = Promise.race([synced, ended]);
    const start = async (controller: Controller) => {
      if (!controller.startsBeforeSync) await cachesReady;
      if (leading.aborted) return;
      const queue = new WorkQueue({
        ...this.#opts.queue,
        ...(controller.backoff ? { backoff: controller.backoff } : {}),
        concurrency: controller.concurrency ?? 2,
      });
      this.#queues.set(controller.name, queue);
      const [primary] = keyMappersOf(controller);
      for (const obj of this.store(controller.for).list()) {
        for (const key of primary!.keysOf(obj, this.#cache)) queue.add(key);
      }
      for (const key of controller.seedKeys?.() ?? []) queue.add(key);
      await queue.run((key) => this.#reconcile(controller, queue, key, leading));
    };
    const runs = this.#opts.controllers.map(start);
    const early = this.#opts.controllers.filter((c) => c.startsBeforeSync).map((c) => c.name);
    if (early.length > 0) {
      this.#log.info("Controllers started before the caches synced", { controllers: early });
    }
    void cachesReady.then(() => {
      if (leading.aborted) return;
      this.#log.info("Controllers started", {
        controllers: this.#opts.controllers.filter((c) => !c.startsBeforeSync).map((c) => c.name),
      });
    });
    // Queues are made in the same turn as the check of `leading`, so none escapes this.
    leading.addEventListener("abort", () => {
      for (const queue of this.#queues.values()) void queue.shutDown();
    }, { once: true });
    await Promise.all(runs);
    this.#queues.clear();
  }

  async #reconcile(controller: Controller, queue: WorkQueue, key: string, signal: AbortSignal) {
    const log = this.#log.with({ controller: controller.name, key });
    const own = this.#ownWritesOf(controller);
    const store = this.store(controller.for);
    const started = performance.now();
    try {
      let result: ReconcileResult | void;
      let passes = 0;
      do {
        // The event of its own last write brings the key back once the cache shows it.
        if (own.behind(key, store.get(key)?.metadata?.resourceVersion)) {
          log.debug("Pass skipped: the cache predates our own write");
          queue.forget(key);
          return;
        }
        result = await controller.reconcile(key, this.#context(controller, key, log, signal));
      } while (result?.requeue === "now" && ++passes < MAX_PASSES_IN_A_ROW && !signal.aborted);
      const ms = performance.now() - started;
      this.#metrics?.reconciled(controller.name, ms / 1000);
      log.debug("Pass done", { ms: Math.round(ms), passes: passes + 1 });
      queue.forget(key);
      if (result?.requeue === "now") queue.add(key);
      else if (result?.requeueAfterMs !== undefined) queue.addAfter(key, result.requeueAfterMs);
    } catch (error) {
      this.#metrics?.reconciled(controller.name, (performance.now() - started) / 1000);
      if (error instanceof TerminalError) {
        log.error("Reconcile failed; not retrying", { error: messageOf(error) });
        queue.forget(key);
        return;
      }
      // A server that said how long to wait (429, some 5xx) knows better than our backoff.
      const retryAfter = error instanceof ApiError ? error.retryAfterSeconds ?? 0 : 0;
      const delayMs = queue.addRateLimited(key, retryAfter * 1_000);
      this.#metrics?.retried(controller.name);
      // Conflicts are the normal price of optimistic concurrency: not worth a warning.
      log[isConflict(error) ? "info" : "warn"]("Reconcile failed; retrying", {
        error: messageOf(error),
        attempt: queue.failures(key),
        retryInMs: delayMs,
      });
    }
  }

  #context(
    controller: Controller,
    key: string,
    log: Logger,
    signal: AbortSignal,
  ): ReconcileContext {
    const { namespace, name } = splitKey(key);
    const object = this.store(controller.for).get(key);
    const read = object?.metadata?.resourceVersion;
    const own = this.#ownWritesOf(controller);
    const forId = idOf(controller.for);
    const keyOfWritten = (obj: KubeObject) => controller.keyOf ? controller.keyOf(obj) : keyOf(obj);
    return {
      key,
      namespace,
      name,
      object,
      cache: this.#cache,
      rest: this.#opts.rest.observingWrites((resource, written) => {
        if (idOf(resource) !== forId || keyOfWritten(written) !== key) return;
        own.note(key, read, written.metadata?.resourceVersion);
      }),
      events: this.#events,
      log,
      signal,
    };
  }

  #ownWritesOf(controller: Controller): OwnWrites {
    let own = this.#ownWrites.get(controller.name);
    if (!own) this.#ownWrites.set(controller.name, own = new OwnWrites());
    return own;
  }

  #reflectorFor(resource: Resource): Reflector {
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
    this.#sources.add(reflector);
    return reflector;
  }
}
