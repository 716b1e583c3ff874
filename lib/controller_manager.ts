/** The Manager: shared reflectors and caches, leader election, and the workers of each controller. */
import type { ReadonlyStore } from "./cache.ts";
import type { ChangeSource } from "./change_source.ts";
import { type CacheReader, type Controller, keyMappersOf } from "./controller.ts";
import { OwnWrites } from "./own_writes.ts";
import { type EventRecorder, RestEventRecorder } from "./events.ts";
import type { KubeObject } from "./kube/object.ts";
import type { Resource } from "./kube/resources.ts";
import { LeaderElector, restLeaseStore } from "./leader.ts";
import { type Logger, logger } from "./log.ts";
import type { ManagerOptions } from "./manager_options.ts";
import { WorkQueue } from "./queue.ts";
import { type QueueMetrics, queueMetricsOf } from "./metrics/queue_metrics.ts";
import { reconcilePass } from "./reconcile_pass.ts";
import { ResourceCaches } from "./resource_caches.ts";
import type { Reflector } from "./watch.ts";

// The options are part of the Manager's interface: importers of the Manager may take them here too.
export type { ManagerOptions } from "./manager_options.ts";

/** Runs controllers: caches first, then (when leading) one queue and its workers per controller. */
export class Manager {
  #opts: ManagerOptions;
  #log: Logger;
  #events: EventRecorder;
  #caches: ResourceCaches;
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
    this.#caches = new ResourceCaches(opts, this.#log);
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
    return this.#caches.store<T>(resource);
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
      const scope = {
        controller,
        queue,
        own: this.#ownWritesOf(controller),
        cache: this.#cache,
        rest: this.#opts.rest,
        events: this.#events,
        log: this.#log,
        metrics: this.#metrics,
      };
      await queue.run((key) => reconcilePass(scope, key, leading));
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

  #ownWritesOf(controller: Controller): OwnWrites {
    let own = this.#ownWrites.get(controller.name);
    if (!own) this.#ownWrites.set(controller.name, own = new OwnWrites());
    return own;
  }

  #reflectorFor(resource: Resource): Reflector {
    const reflector = this.#caches.reflectorFor(resource);
    this.#sources.add(reflector);
    return reflector;
  }
}
