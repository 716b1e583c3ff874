/**
 * Lifecycle events for a `LibvirtConnection`: a connection of their own, re-subscribed with
 * backoff after libvirtd goes away, fanned out to listeners and async iterators.
 */

import { logger } from "../../lib/log.ts";
import { ConnectionError } from "./errors.ts";
import { LifecycleSubscription } from "./events.ts";
import type { LanePool } from "./lanes.ts";
import type { DomainLifecycleEvent } from "./types.ts";

const log = logger({ component: "libvirt" });

export class EventFeed {
  #listeners = new Set<(event: DomainLifecycleEvent) => void>();
  #reconnectListeners = new Set<() => void>();
  #channels = new Set<EventChannel<DomainLifecycleEvent>>();
  #events: { conn: Deno.PointerObject; subscription: LifecycleSubscription } | undefined;
  #reconnecting: Promise<void> | undefined;
  #closing = new AbortController();

  constructor(private readonly pool: LanePool) {}

  /** Opens the event connection and subscribes. */
  async connect(): Promise<void> {
    const conn = await this.pool.openConnection();
    try {
      const subscription = await LifecycleSubscription.register(conn, (event) => {
        for (const listener of this.#listeners) listener(event);
      });
      this.#events = { conn, subscription };
    } catch (error) {
      await this.pool.closeConnection(conn);
      throw error;
    }
  }

  /** Tells the feed that libvirt closed `conn`; re-subscribes if it was the event connection. */
  connectionLost(conn: Deno.PointerObject): void {
    if (this.#events && Deno.UnsafePointer.equals(this.#events.conn, conn)) this.#reconnect();
  }

  onLifecycle(listener: (event: DomainLifecycleEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  lifecycleEvents(signal?: AbortSignal): AsyncIterableIterator<DomainLifecycleEvent> {
    const channel = new EventChannel<DomainLifecycleEvent>();
    const unsubscribe = this.onLifecycle((event) => channel.push(event));
    const end = () => {
      unsubscribe();
      channel.end();
      this.#channels.delete(channel);
    };
    this.#channels.add(channel);
    if (signal?.aborted || this.#closing.signal.aborted) end();
    signal?.addEventListener("abort", end, { once: true });
    return channel;
  }

  onReconnect(listener: () => void): () => void {
    this.#reconnectListeners.add(listener);
    return () => this.#reconnectListeners.delete(listener);
  }

  /** Stops reconnecting, unsubscribes, closes the event connection, ends the iterators. */
  async close(): Promise<void> {
    this.#closing.abort();
    await this.#reconnecting;
    await this.#disconnect();
    for (const channel of this.#channels) channel.end();
    this.#channels.clear();
  }

  async #disconnect(): Promise<void> {
    const events = this.#events;
    this.#events = undefined;
    if (!events) return;
    await events.subscription.cancel();
    await this.pool.closeConnection(events.conn);
  }

  #reconnect(): void {
    if (this.#reconnecting || this.#closing.signal.aborted) return;
    this.#reconnecting = (async () => {
      await this.#disconnect();
      let delayMs = 250;
      while (!this.#closing.signal.aborted) {
        try {
          await this.connect();
          log.info("libvirt event connection restored", { uri: this.pool.uri });
          for (const listener of this.#reconnectListeners) listener();
          return;
        } catch (error) {
          // Connection refusals are expected while libvirtd restarts; the pool logged the loss.
          if (!(error instanceof ConnectionError)) {
            log.warn("Cannot resubscribe to libvirt events", { error });
          }
          await abortableDelay(delayMs, this.#closing.signal);
          delayMs = Math.min(delayMs * 2, 5000);
        }
      }
    })().finally(() => this.#reconnecting = undefined);
  }
}

function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}

/** A push-to-pull queue: values pushed in come out of an async iterator until `end()`. */
export class EventChannel<T> implements AsyncIterableIterator<T> {
  #queue: T[] = [];
  #pulls: Array<(result: IteratorResult<T>) => void> = [];
  #ended = false;

  push(value: T): void {
    if (this.#ended) return;
    const pull = this.#pulls.shift();
    if (pull) pull({ value, done: false });
    else this.#queue.push(value);
  }

  end(): void {
    this.#ended = true;
    for (const pull of this.#pulls.splice(0)) pull({ value: undefined, done: true });
  }

  next(): Promise<IteratorResult<T>> {
    if (this.#queue.length > 0) {
      return Promise.resolve({ value: this.#queue.shift()!, done: false });
    }
    if (this.#ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => this.#pulls.push(resolve));
  }

  return(): Promise<IteratorResult<T>> {
    this.end();
    this.#queue = [];
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}
