/** A work queue of keys: duplicates merge, one worker per key, per-key backoff, N workers. */
import { backoffDelay, type BackoffPolicy } from "./backoff.ts";
import { type Clock, systemClock } from "./clock.ts";

/** Options of a WorkQueue. */
export interface WorkQueueOptions {
  /** Keys processed at once (each key by one worker at a time). Default 2. */
  concurrency?: number;
  /** Per-key retry delays for `addRateLimited`. Default 50 ms doubling to 5 min, ±20 %. */
  backoff?: BackoffPolicy;
  random?: () => number;
  /** Time and timers for delayed keys; default the system's. */
  clock?: Clock;
}

/** Handles one key; a throw re-queues the key with backoff. */
export type Worker = (key: string) => Promise<void>;

const defaultBackoff: BackoffPolicy = { baseMs: 50, maxMs: 300_000, factor: 2, jitter: 0.2 };

/** Keys waiting for a worker, processed in arrival order. */
export class WorkQueue {
  readonly concurrency: number;
  #pending = new Set<string>(); // insertion-ordered, so also the FIFO
  #processing = new Set<string>();
  #dirty = new Set<string>(); // added again while processing: run once more after
  #timers = new Map<string, { at: number; cancel: () => void }>();
  #failures = new Map<string, number>();
  #worker: Worker | undefined;
  #shuttingDown = false;
  #idle: Array<() => void> = [];
  #quiet: Array<() => void> = [];
  #policy: BackoffPolicy;
  #random: () => number;
  #clock: Clock;

  constructor(opts: WorkQueueOptions = {}) {
    this.concurrency = Math.max(1, opts.concurrency ?? 2);
    this.#policy = opts.backoff ?? defaultBackoff;
    this.#random = opts.random ?? Math.random;
    this.#clock = opts.clock ?? systemClock;
  }

  /** Queue `key` now; no-op when already waiting, deferred when being processed. */
  add(key: string): void {
    if (this.#shuttingDown) return;
    if (this.#processing.has(key)) this.#dirty.add(key);
    else this.#pending.add(key);
    this.#pump();
  }

  /** Queue `key` after `ms`; an earlier pending delay for the key wins over a later one. */
  addAfter(key: string, ms: number): void {
    if (this.#shuttingDown) return;
    if (ms <= 0) return this.add(key);
    const at = this.#clock.now() + ms;
    const existing = this.#timers.get(key);
    if (existing && existing.at <= at) return;
    existing?.cancel();
    const cancel = this.#clock.after(ms, () => {
      this.#timers.delete(key);
      this.add(key);
    });
    this.#timers.set(key, { at, cancel });
  }

  /** Queue `key` after its next backoff delay, or `minDelayMs` if longer; answers the delay. */
  addRateLimited(key: string, minDelayMs = 0): number {
    const failures = this.#failures.get(key) ?? 0;
    this.#failures.set(key, failures + 1);
    const delay = Math.max(minDelayMs, backoffDelay(this.#policy, failures, this.#random));
    this.addAfter(key, delay);
    return delay;
  }

  /** Reset `key`'s backoff, after a success. */
  forget(key: string): void {
    this.#failures.delete(key);
  }

  /** How many times `key` failed since it was last forgotten. */
  failures(key: string): number {
    return this.#failures.get(key) ?? 0;
  }

  /** Keys waiting (not counting delayed or in-flight ones). */
  get length(): number {
    return this.#pending.size;
  }

  /** Keys being processed right now. */
  get inFlight(): number {
    return this.#processing.size;
  }

  /** Keys waiting for their delay to pass. */
  get delayed(): number {
    return this.#timers.size;
  }

  /** Resolves once no key waits or runs (delayed keys aside): for tests and shutdown. */
  whenQuiet(): Promise<void> {
    if (this.#pending.size === 0 && this.#processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#quiet.push(resolve));
  }

  /** Start processing with `worker`; resolves once shut down and drained. */
  run(worker: Worker): Promise<void> {
    if (this.#worker) throw new Error("Cannot run a WorkQueue twice");
    this.#worker = worker;
    const done = new Promise<void>((resolve) => this.#idle.push(resolve));
    this.#pump();
    return done;
  }

  /** Stop taking keys; waiting and delayed keys are dropped, in-flight ones finish. */
  shutDown(): Promise<void> {
    this.#shuttingDown = true;
    this.#pending.clear();
    this.#dirty.clear();
    for (const { cancel } of this.#timers.values()) cancel();
    this.#timers.clear();
    const drained = new Promise<void>((resolve) => this.#idle.push(resolve));
    this.#settle();
    return drained;
  }

  /** True once `shutDown` was called. */
  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  #pump(): void {
    const worker = this.#worker;
    if (!worker || this.#shuttingDown) return;
    while (this.#processing.size < this.concurrency && this.#pending.size > 0) {
      const key = this.#pending.values().next().value as string;
      this.#pending.delete(key);
      this.#processing.add(key);
      this.#process(worker, key);
    }
  }

  async #process(worker: Worker, key: string): Promise<void> {
    try {
      await worker(key);
    } catch {
      // Workers are meant to handle their errors; a stray throw must not lose the key.
      this.addRateLimited(key);
    } finally {
      this.#processing.delete(key);
      if (this.#dirty.delete(key) && !this.#shuttingDown) this.#pending.add(key);
      this.#pump();
      this.#settle();
    }
  }

  #settle(): void {
    if (this.#pending.size === 0 && this.#processing.size === 0) {
      for (const resolve of this.#quiet.splice(0)) resolve();
    }
    if (!this.#shuttingDown || this.#processing.size > 0) return;
    for (const resolve of this.#idle.splice(0)) resolve();
  }
}
