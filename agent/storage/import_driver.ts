/**
 * Runs the imports this node's claims ask for: at most `concurrency` at once, one per claim,
 * retried with backoff, each step written back on the claim's annotations. Only the engine's
 * messages (redacted) and this module's own reach logs, events and annotations.
 */
import { backoffDelay, type BackoffPolicy, sleep } from "../../lib/backoff.ts";
import { messageOf } from "../../lib/errors.ts";
import type { EventRecorder } from "../../lib/events.ts";
import { isNotFound } from "../../lib/kube/api_error.ts";
import { splitKey } from "../../lib/kube/object.ts";
import type { Logger } from "../../lib/log.ts";
import {
  ImportError,
  type ImportProgress,
  type ImportRequest,
  type ImportResult,
} from "../import/types.ts";
import { type ImportLookups, importSourceFor, ImportWait } from "./import_request.ts";
import {
  annotationChanges,
  importAnnotations,
  type ImportStep,
  restartsOf,
  wantedImportOf,
} from "./import_state.ts";
import type { Pv, Pvc } from "./types.ts";

/** The import engine: `runImport` of agent/import. */
export type ImportRunner = (request: ImportRequest) => Promise<ImportResult>;

export interface ImportDriverOptions {
  run: ImportRunner;
  node: string;
  volumesDir: string;
  lookups: ImportLookups;
  /** Merge-patches the claim's annotations; answers the claim as written. */
  patchAnnotations(pvc: Pvc, changes: Record<string, string>): Promise<Pvc>;
  events: Pick<EventRecorder, "normal" | "warning">;
  log: Logger;
  /** Told when a claim's import succeeded: VMIs waiting for it may start. */
  onClaimReady(namespace: string, name: string): void;
  /** Imports at once. Default 2. */
  concurrency?: number;
  /** Delays after failed attempts. Default 1 s doubling to 5 min, ±20 %. */
  retry?: BackoffPolicy;
  /** Delays while a Secret, a ConfigMap or the clone source is missing. Default 1 s to 30 s. */
  waitRetry?: BackoffPolicy;
  /** Progress is written at most this often. Default 1 s. */
  progressIntervalMs?: number;
}

interface Job {
  key: string;
  uid: string;
  abort: AbortController;
  state: "queued" | "running" | "delayed";
  /** Delayed because something it needs is missing (waking early may help). */
  waiting: boolean;
  timer: ReturnType<typeof setTimeout> | undefined;
  failures: number;
  waits: number;
  restarts: number;
  /** The claim's annotations as last written or read, so only changes are written. */
  annotations: Record<string, string>;
  /** The claim's resourceVersion after this agent's last write. */
  writtenVersion: string | undefined;
  /** Writes to the claim, one after the other. */
  writes: Promise<void>;
  /** The attempt under way, if any. */
  attempt: Promise<void> | undefined;
}

/** A claim whose import ended here: the cache may not show it yet. */
interface Finished {
  uid: string;
  resourceVersion: string | undefined;
}

const DEFAULT_RETRY: BackoffPolicy = { baseMs: 1_000, maxMs: 300_000, factor: 2, jitter: 0.2 };
const DEFAULT_WAIT: BackoffPolicy = { baseMs: 1_000, maxMs: 30_000, factor: 2, jitter: 0.2 };

export class ImportDriver {
  #opts: ImportDriverOptions;
  #jobs = new Map<string, Job>();
  #queue: string[] = [];
  #running = new Set<Promise<void>>();
  #finished = new Map<string, Finished>();
  /** Attempts cancelled but not ended yet, by claim. */
  #stopping = new Map<string, Promise<void>>();
  #stopped = false;

  constructor(opts: ImportDriverOptions) {
    this.#opts = opts;
  }

  /** Imports running or waiting for a slot or a retry. */
  get size(): number {
    return this.#jobs.size;
  }

  /** Looks at the claim `key` again: starts, keeps or cancels its import. */
  sync(key: string): void {
    if (this.#stopped) return;
    const { pvc, pv } = this.#claim(key);
    const job = this.#jobs.get(key);
    const uid = pvc?.metadata?.uid;
    const wanted = pvc && wantedImportOf(pvc, pv, this.#opts.node, this.#opts.volumesDir);
    if (!pvc) this.#finished.delete(key);
    if (job && (!wanted || job.uid !== uid)) void this.cancel(key);
    if (!wanted || !uid || this.#jobs.has(key) || this.#endedHere(key, pvc)) return;
    this.#jobs.set(key, {
      key,
      uid,
      abort: new AbortController(),
      state: "queued",
      waiting: false,
      timer: undefined,
      failures: 0,
      waits: 0,
      restarts: restartsOf(pvc),
      annotations: { ...pvc.metadata?.annotations },
      writtenVersion: undefined,
      writes: Promise.resolve(),
      attempt: undefined,
    });
    this.#queue.push(key);
    this.#pump();
  }

  /** Retries a waiting import now (its clone source changed). */
  wake(key: string): void {
    const job = this.#jobs.get(key);
    if (!job || job.state !== "delayed" || !job.waiting) return;
    clearTimeout(job.timer);
    this.#enqueue(job);
  }

  /**
   * Stops the claim's import (if `uid` is given: only the import of that claim); resolves once
   * the attempt under way ended, so the engine has removed its partial files.
   */
  cancel(key: string, uid?: string): Promise<void> {
    const job = this.#jobs.get(key);
    if (!job || (uid && job.uid !== uid)) return this.#stopping.get(key) ?? Promise.resolve();
    this.#jobs.delete(key);
    clearTimeout(job.timer);
    this.#queue = this.#queue.filter((k) => k !== key);
    job.abort.abort();
    this.#opts.log.info("Import stopped", { claim: key });
    const attempt = job.attempt;
    if (!attempt) return Promise.resolve();
    const stopping = attempt.finally(() => {
      if (this.#stopping.get(key) === stopping) this.#stopping.delete(key);
    });
    this.#stopping.set(key, stopping);
    return stopping;
  }

  /** Stops every import; the claims stay Running, so the next agent imports them again. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const job of this.#jobs.values()) {
      clearTimeout(job.timer);
      job.abort.abort();
    }
    this.#jobs.clear();
    this.#queue = [];
    await Promise.all([...this.#running]);
  }

  #claim(key: string): { pvc: Pvc | undefined; pv: Pv | undefined } {
    const { namespace, name } = splitKey(key);
    return this.#opts.lookups.claim(namespace ?? "default", name);
  }

  /** True while the cache still shows the claim from before this agent ended its import. */
  #endedHere(key: string, pvc: Pvc): boolean {
    const finished = this.#finished.get(key);
    if (!finished) return false;
    if (finished.uid === pvc.metadata?.uid && isOlder(pvc.metadata?.resourceVersion, finished)) {
      return true;
    }
    this.#finished.delete(key);
    return false;
  }

  #enqueue(job: Job): void {
    job.state = "queued";
    job.timer = undefined;
    this.#queue.push(job.key);
    this.#pump();
  }

  #pump(): void {
    const limit = this.#opts.concurrency ?? 2;
    while (!this.#stopped && this.#running.size < limit && this.#queue.length > 0) {
      const job = this.#jobs.get(this.#queue.shift()!);
      if (!job || job.state !== "queued") continue;
      job.state = "running";
      const attempt: Promise<void> = this.#attempt(job)
        .catch((error) => {
          // Only writes that failed for good get here: try the whole attempt again later.
          if (!job.abort.signal.aborted) this.#later(job, DEFAULT_RETRY, error, false);
        })
        .finally(() => {
          this.#running.delete(attempt);
          if (job.attempt === attempt) job.attempt = undefined;
          this.#pump();
        });
      this.#running.add(attempt);
      job.attempt = attempt;
    }
  }

  /** Schedules the job's next attempt after a backoff. */
  #later(job: Job, policy: BackoffPolicy, error: unknown, waiting: boolean): void {
    if (this.#jobs.get(job.key) !== job) return;
    const attempt = waiting ? job.waits++ : job.failures++;
    const delayMs = backoffDelay(policy, attempt);
    job.state = "delayed";
    job.waiting = waiting;
    job.timer = setTimeout(() => this.#enqueue(job), delayMs);
    this.#opts.log.info(waiting ? "Import waits" : "Import failed; retrying", {
      claim: job.key,
      error: messageOf(error),
      ...(error instanceof ImportError || error instanceof ImportWait
        ? { reason: error.reason }
        : {}),
      retryInMs: delayMs,
    });
  }

  async #attempt(job: Job): Promise<void> {
    const { pvc, pv } = this.#claim(job.key);
    const wanted = pvc && wantedImportOf(pvc, pv, this.#opts.node, this.#opts.volumesDir);
    if (!wanted || pvc.metadata?.uid !== job.uid) {
      if (this.#jobs.get(job.key) === job) this.#jobs.delete(job.key);
      return;
    }
    const log = this.#opts.log.with({ claim: job.key });
    let request: ImportRequest;
    try {
      const source = await importSourceFor(
        pvc,
        this.#opts.node,
        this.#opts.volumesDir,
        this.#opts.lookups,
      );
      request = {
        source,
        targetDir: wanted.dir,
        capacityBytes: wanted.capacityBytes,
        signal: job.abort.signal,
      };
    } catch (error) {
      if (error instanceof ImportError && !error.retryable) {
        return await this.#fail(job, pvc, error);
      }
      const reason = error instanceof ImportWait ? error.reason : "LookupFailed";
      await this.#write(job, pvc, { step: "waiting", reason, message: messageOf(error) });
      return this.#later(job, this.#opts.waitRetry ?? DEFAULT_WAIT, error, true);
    }
    await this.#write(job, pvc, { step: "started" });
    log.info("Import started", { source: wanted.source, dir: wanted.dir });
    // At most one progress write per interval; the last count held back is written when the
    // interval ends, so a stalled import shows where it stalled.
    const every = this.#opts.progressIntervalMs ?? 1_000;
    let lastProgressAt = -Infinity;
    let held: ImportProgress | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const writeProgress = ({ bytes, totalBytes }: ImportProgress) => {
      lastProgressAt = Date.now();
      held = undefined;
      void this.#write(job, pvc, { step: "progress", bytes, totalBytes }, false);
    };
    try {
      const result = await this.#opts.run({
        ...request,
        onProgress: (progress) => {
          const wait = every - (Date.now() - lastProgressAt);
          if (wait <= 0) return writeProgress(progress);
          held = progress;
          timer ??= setTimeout(() => {
            timer = undefined;
            if (held && !job.abort.signal.aborted) writeProgress(held);
          }, wait);
        },
      });
      clearTimeout(timer);
      await this.#write(job, pvc, { step: "succeeded" });
      this.#end(job);
      log.info("Import succeeded", { ...result });
      void this.#opts.events.normal(
        pvc,
        "ImportSucceeded",
        `Successfully imported into claim ${job.key}`,
      );
      const { namespace, name } = splitKey(job.key);
      this.#opts.onClaimReady(namespace ?? "default", name);
    } catch (error) {
      clearTimeout(timer);
      if (job.abort.signal.aborted) return;
      if (error instanceof ImportError && !error.retryable) {
        return await this.#fail(job, pvc, error);
      }
      job.restarts++;
      // "Error", as CDI reports a failed importer pod: KubeVirt reads it as a DataVolume error.
      await this.#write(job, pvc, {
        step: "retrying",
        restarts: job.restarts,
        reason: "Error",
        message: messageOf(error),
      });
      this.#later(job, this.#opts.retry ?? DEFAULT_RETRY, error, false);
    }
  }

  async #fail(job: Job, pvc: Pvc, error: ImportError): Promise<void> {
    await this.#write(job, pvc, { step: "failed", reason: error.reason, message: error.message });
    this.#end(job);
    this.#opts.log.warn("Import failed", { claim: job.key, reason: error.reason, error });
    void this.#opts.events.warning(
      pvc,
      "ImportFailed",
      `Cannot import into claim ${job.key}: ${error.message}`,
    );
  }

  /** The import ended with Succeeded or Failed: forget the job, remember the outcome. */
  #end(job: Job): void {
    if (this.#jobs.get(job.key) !== job) return;
    this.#jobs.delete(job.key);
    this.#finished.set(job.key, { uid: job.uid, resourceVersion: job.writtenVersion });
  }

  /**
   * Writes a step's annotations when they change anything, after the writes before it. A
   * `durable` write is retried until it lands (or the claim or the job is gone); progress is not.
   */
  #write(job: Job, pvc: Pvc, step: ImportStep, durable = true): Promise<void> {
    const write = job.writes.then(async () => {
      const changes = annotationChanges(job.annotations, importAnnotations(step));
      if (!changes) return;
      let delayMs = 250;
      while (!job.abort.signal.aborted) {
        try {
          const written = await this.#opts.patchAnnotations(pvc, changes);
          job.annotations = { ...job.annotations, ...changes, ...written.metadata?.annotations };
          job.writtenVersion = written.metadata?.resourceVersion;
          return;
        } catch (error) {
          if (isNotFound(error)) return void this.cancel(job.key, job.uid);
          if (!durable) {
            this.#opts.log.debug("Cannot write import progress", { error: messageOf(error) });
            return;
          }
          this.#opts.log.warn("Cannot write the import state on the claim; retrying", {
            claim: job.key,
            error: messageOf(error),
            retryInMs: delayMs,
          });
          await sleep(delayMs, job.abort.signal);
          delayMs = Math.min(delayMs * 2, 10_000);
        }
      }
    });
    job.writes = write.catch(() => {});
    return write;
  }
}

/** True when resourceVersion `rv` is known to come before the one `finished` wrote. */
function isOlder(rv: string | undefined, finished: Finished): boolean {
  const mine = finished.resourceVersion;
  if (!rv || !mine) return false;
  // resourceVersions are etcd revisions in practice; others cannot be ordered.
  return /^\d+$/.test(rv) && /^\d+$/.test(mine) && BigInt(rv) < BigInt(mine);
}
