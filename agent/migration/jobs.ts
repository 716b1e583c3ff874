/**
 * The migrations this agent process runs as source, by VMI key. A job runs beside the VMI
 * controller (a migration takes seconds to minutes; a reconcile must not wait for it) and
 * enqueues its key when it ends; while it runs, the controller looks at its progress on each
 * requeue (`checkMigrationProgress`). Jobs live in memory only: an agent that restarts finds none
 * and settles the migration from libvirt (agent/migration/plan.ts).
 */
import type { MigrationProgress } from "./timeouts.ts";

interface Job {
  migrationUid: string;
  aborting: boolean;
  /** When the job began (ms since epoch), for the completion timeout. */
  startedAt: number;
  /** What the progress checks remember between two looks. */
  progress: MigrationProgress;
  abort: (reason?: string) => void;
}

export class MigrationJobs {
  #jobs = new Map<string, Job>();
  #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** The job of `key`, as plan() needs it. */
  of(key: string): { migrationUid: string; aborting: boolean } | undefined {
    const job = this.#jobs.get(key);
    return job && { migrationUid: job.migrationUid, aborting: job.aborting };
  }

  /** Runs `run` as the job of `key` unless one runs; `onEnd` follows it either way. */
  start(
    key: string,
    migrationUid: string,
    run: (abortRequested: AbortSignal) => Promise<void>,
    onEnd: () => void,
  ): boolean {
    if (this.#jobs.has(key)) return false;
    const controller = new AbortController();
    const startedAt = this.#now();
    const job: Job = {
      migrationUid,
      aborting: false,
      startedAt,
      progress: { bestRemaining: Infinity, lastProgressAt: startedAt },
      abort: (reason) => controller.abort(reason),
    };
    this.#jobs.set(key, job);
    run(controller.signal).finally(() => {
      this.#jobs.delete(key);
      onEnd();
    });
    return true;
  }

  /**
   * Asks the job of `key` to abort its migration: at the user's request (no reason), or with the
   * failure reason of a timeout that passed.
   */
  abort(key: string, reason?: string): void {
    const job = this.#jobs.get(key);
    if (!job || job.aborting) return;
    job.aborting = true;
    job.abort(reason);
  }

  /** When the job of `key` began and its progress so far. */
  progressOf(key: string): { startedAt: number; progress: MigrationProgress } | undefined {
    const job = this.#jobs.get(key);
    return job && { startedAt: job.startedAt, progress: job.progress };
  }

  /** Remember the job's progress after a check. */
  recordProgress(key: string, progress: MigrationProgress): void {
    const job = this.#jobs.get(key);
    if (job) job.progress = progress;
  }

  /** Jobs running now. */
  get size(): number {
    return this.#jobs.size;
  }
}
