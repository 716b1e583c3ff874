/**
 * The imports running on this node, by claim: the imports controller registers each attempt
 * while it runs, and the reclaimer stops one before it deletes the volume under it.
 */

interface Job {
  uid: string;
  abort: AbortController;
  ended: Promise<void>;
  end: () => void;
}

export class ImportJobs {
  #jobs = new Map<string, Job>();

  /** Registers the import of claim `key` (`uid`); its signal aborts on `stop` or `cancel`. */
  begin(key: string, uid: string, stop: AbortSignal): AbortSignal {
    const abort = new AbortController();
    const { promise: ended, resolve: end } = Promise.withResolvers<void>();
    this.#jobs.set(key, { uid, abort, ended, end });
    return AbortSignal.any([stop, abort.signal]);
  }

  /** The attempt of claim `key` ended. */
  finish(key: string): void {
    const job = this.#jobs.get(key);
    this.#jobs.delete(key);
    job?.end();
  }

  /** Imports running now. */
  get size(): number {
    return this.#jobs.size;
  }

  /**
   * Stops the import of claim `key` (if `uid` is given: only the import of that claim) and
   * resolves once it ended, so the engine has removed its partial files.
   */
  cancel(key: string, uid?: string): Promise<void> {
    const job = this.#jobs.get(key);
    if (!job || (uid && job.uid !== uid)) return Promise.resolve();
    job.abort.abort(new Error(`The import into claim ${key} was stopped`));
    return job.ended;
  }
}
