/**
 * Runs the imports this node's claims ask for: at most `concurrency` at once, one per claim,
 * retried with backoff, each step written back on the claim's annotations. Only the engine's
 * messages (redacted) and this module's own reach logs, events and annotations.
 */
import type { PersistentVolume, PersistentVolumeClaim } from "../../api/mod.ts";
import { backoffDelay, type BackoffPolicy } from "../../lib/backoff.ts";
import { messageOf } from "../../lib/errors.ts";
import type { EventRecorder } from "../../lib/events.ts";
import { splitKey } from "../../lib/kube/object.ts";
import type { Logger } from "../../lib/log.ts";
import { ImportError, type ImportRequest, type ImportResult } from "../import/types.ts";
import { FinishedImports } from "./finished_imports.ts";
import { type ImportLookups, importSourceFor, ImportWait } from "./import_request.ts";
import { type ImportStep, restartsOf, wantedImportOf } from "./import_state.ts";
import { type ClaimWrites, ImportStepWriter } from "./import_step_writer.ts";
import { progressThrottle } from "./progress_throttle.ts";

/** The import engine: `runImport` of agent/import. */
export type ImportRunner = (request: ImportRequest) => Promise<ImportResult>;

export interface ImportDriverOptions {
  run: ImportRunner;
  node: string;
  volumesDir: string;
  lookups: ImportLookups;
  /** Merge-patches the claim's annotations; answers the claim as written. */
  patchAnnotations(
    pvc: PersistentVolumeClaim,
    changes: Record<string, string>,
  ): Promise<PersistentVolumeClaim>;
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

interface Job extends ClaimWrites {
  state: "queued" | "running" | "delayed";
  /** Delayed because something it needs is missing (waking early may help). */
  waiting: boolean;
  timer: ReturnType<typeof setTimeout> | undefined;
  failures: number;
  waits: number;
  restarts: number;
  /** The attempt under way, if any. */
  attempt: Promise<void> | undefined;
}

const DEFAULT_RETRY: BackoffPolicy = { baseMs: 1_000, maxMs: 300_000, factor: 2, jitter: 0.2 };
const DEFAULT_WAIT: BackoffPolicy = { baseMs: 1_000, maxMs: 30_000, factor: 2, jitter: 0.2 };

export class ImportDriver {
  #opts: ImportDriverOptions;
  #jobs = new Map<string, Job>();
  #queue: string[] = [];
  #running = new Set<Promise<void>>();
  #finished = new FinishedImports();
  /** Attempts cancelled but not ended yet, by claim. */
  #stopping = new Map<string, Promise<void>>();
  #stopped = false;
  #writer: ImportStepWriter;

  constructor(opts: ImportDriverOptions) {
    this.#opts = opts;
    this.#writer = new ImportStepWriter(opts, (job) => void this.cancel(job.key, job.uid));
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
    if (!wanted || !uid || this.#jobs.has(key) || this.#finished.endedHere(key, pvc)) return;
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

  #claim(
    key: string,
  ): { pvc: PersistentVolumeClaim | undefined; pv: PersistentVolume | undefined } {
    const { namespace, name } = splitKey(key);
    return this.#opts.lookups.claim(namespace ?? "default", name);
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
    const progress = progressThrottle(
      this.#opts.progressIntervalMs ?? 1_000,
      job.abort.signal,
      ({ bytes, totalBytes }) =>
        void this.#write(job, pvc, { step: "progress", bytes, totalBytes }, false),
    );
    try {
      const result = await this.#opts.run({ ...request, onProgress: progress.onProgress });
      progress.clear();
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
      progress.clear();
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

  async #fail(job: Job, pvc: PersistentVolumeClaim, error: ImportError): Promise<void> {
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
    this.#finished.set(job.key, job.uid, job.writtenVersion);
  }

  /** Writes a step's annotations on the claim (see ImportStepWriter). */
  #write(job: Job, pvc: PersistentVolumeClaim, step: ImportStep, durable = true): Promise<void> {
    return this.#writer.write(job, pvc, step, durable);
  }
}
