/** One pass of a controller over one key: its context, own-write skips, requeues and retries. */
import type { CacheReader, Controller, ReconcileContext, ReconcileResult } from "./controller.ts";
import { messageOf, TerminalError } from "./errors.ts";
import type { EventRecorder } from "./events.ts";
import { ApiError, isConflict } from "./kube/api_error.ts";
import { keyOf, type KubeObject, splitKey } from "./kube/object.ts";
import type { RestClient } from "./kube/rest.ts";
import type { Logger } from "./log.ts";
import type { QueueMetrics } from "./metrics/queue_metrics.ts";
import type { OwnWrites } from "./own_writes.ts";
import type { WorkQueue } from "./queue.ts";
import { idOf } from "./resource_caches.ts";

/** Passes of one key in a row when each asks to look again at once; then it queues as others do. */
const MAX_PASSES_IN_A_ROW = 3;

/** What the passes of one controller need from the Manager that runs them. */
export interface PassScope {
  controller: Controller;
  queue: WorkQueue;
  /** The controller's writes to its own objects that its cache has not shown yet. */
  own: OwnWrites;
  cache: CacheReader;
  rest: RestClient;
  events: EventRecorder;
  log: Logger;
  metrics: QueueMetrics | undefined;
}

/** Reconcile `key` (again at once while asked, a few times), then forget, requeue or retry it. */
export async function reconcilePass(
  scope: PassScope,
  key: string,
  signal: AbortSignal,
): Promise<void> {
  const { controller, queue, own } = scope;
  const log = scope.log.with({ controller: controller.name, key });
  const store = scope.cache(controller.for);
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
      result = await controller.reconcile(key, contextOf(scope, key, log, signal));
    } while (result?.requeue === "now" && ++passes < MAX_PASSES_IN_A_ROW && !signal.aborted);
    const ms = performance.now() - started;
    scope.metrics?.reconciled(controller.name, ms / 1000);
    log.debug("Pass done", { ms: Math.round(ms), passes: passes + 1 });
    queue.forget(key);
    if (result?.requeue === "now") queue.add(key);
    else if (result?.requeueAfterMs !== undefined) queue.addAfter(key, result.requeueAfterMs);
  } catch (error) {
    scope.metrics?.reconciled(controller.name, (performance.now() - started) / 1000);
    if (error instanceof TerminalError) {
      log.error("Reconcile failed; not retrying", { error: messageOf(error) });
      queue.forget(key);
      return;
    }
    // A server that said how long to wait (429, some 5xx) knows better than our backoff.
    const retryAfter = error instanceof ApiError ? error.retryAfterSeconds ?? 0 : 0;
    const delayMs = queue.addRateLimited(key, retryAfter * 1_000);
    scope.metrics?.retried(controller.name);
    // Conflicts are the normal price of optimistic concurrency: not worth a warning.
    log[isConflict(error) ? "info" : "warn"]("Reconcile failed; retrying", {
      error: messageOf(error),
      attempt: queue.failures(key),
      retryInMs: delayMs,
    });
  }
}

/** The context of one pass: the cached object, and a client that notes the pass's own writes. */
function contextOf(
  scope: PassScope,
  key: string,
  log: Logger,
  signal: AbortSignal,
): ReconcileContext {
  const { controller, own } = scope;
  const { namespace, name } = splitKey(key);
  const object = scope.cache(controller.for).get(key);
  const read = object?.metadata?.resourceVersion;
  const forId = idOf(controller.for);
  const keyOfWritten = (obj: KubeObject) => controller.keyOf ? controller.keyOf(obj) : keyOf(obj);
  return {
    key,
    namespace,
    name,
    object,
    cache: scope.cache,
    rest: scope.rest.observingWrites((resource, written) => {
      if (idOf(resource) !== forId || keyOfWritten(written) !== key) return;
      own.note(key, read, written.metadata?.resourceVersion);
    }),
    events: scope.events,
    log,
    signal,
  };
}
