/** Kubernetes Events about objects, so users learn what happened from `kubectl describe`. */
import { messageOf } from "./errors.ts";
import { isNotFound } from "./kube/api_error.ts";
import type { KubeObject } from "./kube/object.ts";
import type { RestClient } from "./kube/rest.ts";
import { events } from "./kube/resources.ts";
import { type Logger, logger } from "./log.ts";

/** Normal for expected progress, Warning for what a user should look at. */
export type EventType = "Normal" | "Warning";

/** Records Events; its promises never reject, so callers may fire and forget. */
export interface EventRecorder {
  record(obj: KubeObject, type: EventType, reason: string, message: string): Promise<void>;
  normal(obj: KubeObject, reason: string, message: string): Promise<void>;
  warning(obj: KubeObject, reason: string, message: string): Promise<void>;
}

/** Options of a RestEventRecorder. */
export interface EventRecorderOptions {
  rest: Pick<RestClient, "create" | "patch">;
  /** The `source.component` of the Events, e.g. `denovirt-controller`. */
  component: string;
  host?: string;
  log?: Logger;
  /** Repeats within this window bump the count of one Event. Default 10 min. */
  windowMs?: number;
  /** How many distinct Events to remember for aggregation. Default 4096. */
  maxTracked?: number;
  now?: () => number;
}

interface Tracked {
  namespace: string;
  name: string;
  count: number;
  firstTimestamp: string;
  lastSeen: number;
  pending: Promise<void>;
}

/** The core/v1 timestamp format (seconds, like the API server's own). */
const timestamp = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

/** An EventRecorder writing core/v1 Events, merging repeats into a count. */
export class RestEventRecorder implements EventRecorder {
  #opts: EventRecorderOptions;
  #log: Logger;
  #tracked = new Map<string, Tracked>();

  constructor(opts: EventRecorderOptions) {
    this.#opts = opts;
    this.#log = opts.log ?? logger({ component: opts.component });
  }

  /** A Normal Event. */
  normal(obj: KubeObject, reason: string, message: string): Promise<void> {
    return this.record(obj, "Normal", reason, message);
  }

  /** A Warning Event. */
  warning(obj: KubeObject, reason: string, message: string): Promise<void> {
    return this.record(obj, "Warning", reason, message);
  }

  /** An Event of `type`; a repeat within the window bumps the earlier Event's count. */
  record(obj: KubeObject, type: EventType, reason: string, message: string): Promise<void> {
    const meta = obj.metadata ?? {};
    const id = `${meta.uid ?? `${meta.namespace}/${meta.name}`}|${type}|${reason}|${message}`;
    const tracked = this.#tracked.get(id) ?? this.#blank(obj);
    // Repeats of one Event are written one after the other, so that the count never goes back.
    const pending = tracked.pending
      .then(() => this.#write(tracked, obj, type, reason, message))
      .catch((error) => {
        this.#log.warn("Cannot record event", { reason, message, error: messageOf(error) });
      });
    tracked.pending = pending;
    this.#remember(id, tracked);
    return pending;
  }

  async #write(
    tracked: Tracked,
    obj: KubeObject,
    type: EventType,
    reason: string,
    message: string,
  ): Promise<void> {
    const now = this.#opts.now?.() ?? Date.now();
    const windowMs = this.#opts.windowMs ?? 600_000;
    if (tracked.count > 0 && now - tracked.lastSeen < windowMs) {
      const patch = { count: tracked.count + 1, lastTimestamp: timestamp(now) };
      try {
        await this.#opts.rest.patch(events, tracked, patch, { type: "merge" });
        Object.assign(tracked, { count: patch.count, lastSeen: now });
        return;
      } catch (error) {
        // The Event expired (the API server keeps them 1 h) or was deleted: start a new one.
        if (!isNotFound(error)) throw error;
      }
    }
    const meta = obj.metadata ?? {};
    const namespace = meta.namespace || "default";
    const name = `${(meta.name ?? "unknown").slice(0, 200)}.${eventSuffix(now)}`;
    await this.#opts.rest.create(events, {
      metadata: { name, namespace },
      involvedObject: {
        apiVersion: obj.apiVersion,
        kind: obj.kind,
        name: meta.name,
        namespace: meta.namespace,
        uid: meta.uid,
        resourceVersion: meta.resourceVersion,
      },
      type,
      reason,
      message: message.length > 1024 ? `${message.slice(0, 1021)}...` : message,
      source: { component: this.#opts.component, host: this.#opts.host },
      reportingComponent: this.#opts.component,
      reportingInstance: this.#opts.host ?? "",
      count: 1,
      firstTimestamp: timestamp(now),
      lastTimestamp: timestamp(now),
    } as KubeObject);
    Object.assign(tracked, {
      namespace,
      name,
      count: 1,
      firstTimestamp: timestamp(now),
      lastSeen: now,
    });
  }

  #blank(obj: KubeObject): Tracked {
    const namespace = obj.metadata?.namespace || "default";
    return {
      namespace,
      name: "",
      count: 0,
      firstTimestamp: "",
      lastSeen: 0,
      pending: Promise.resolve(),
    };
  }

  /** Keep the most recently used entries only, so memory stays bounded. */
  #remember(id: string, tracked: Tracked): void {
    this.#tracked.delete(id);
    this.#tracked.set(id, tracked);
    const max = this.#opts.maxTracked ?? 4096;
    for (const oldest of this.#tracked.keys()) {
      if (this.#tracked.size <= max) break;
      this.#tracked.delete(oldest);
    }
  }
}

/** Unique enough and time-ordered, like client-go's `%x` of UnixNano. */
function eventSuffix(ms: number): string {
  const nanos = BigInt(ms) * 1_000_000n + BigInt(Math.floor(Math.random() * 1_000_000));
  return nanos.toString(16);
}
