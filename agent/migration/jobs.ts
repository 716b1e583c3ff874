/**
 * The migrations this agent process runs as source, by VMI key. A job runs beside the VMI
 * controller (a migration takes seconds to minutes; a reconcile must not wait for it) and
 * enqueues its key when it ends. Jobs live in memory only: an agent that restarts finds none
 * and settles the migration from libvirt (agent/migration/plan.ts).
 */

interface Job {
  migrationUid: string;
  aborting: boolean;
  abort: () => void;
  ended: Promise<void>;
}

export class MigrationJobs {
  #jobs = new Map<string, Job>();

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
    const abort = new AbortController();
    const job: Job = {
      migrationUid,
      aborting: false,
      abort: () => abort.abort(),
      ended: Promise.resolve(),
    };
    this.#jobs.set(key, job);
    job.ended = run(abort.signal).finally(() => {
      this.#jobs.delete(key);
      onEnd();
    });
    return true;
  }

  /** Asks the job of `key` to abort its migration. */
  abort(key: string): void {
    const job = this.#jobs.get(key);
    if (!job || job.aborting) return;
    job.aborting = true;
    job.abort();
  }

  /** Jobs running now. */
  get size(): number {
    return this.#jobs.size;
  }
}
