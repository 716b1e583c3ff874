/**
 * Writes an import's steps on its claim's annotations: only what changed, one write after the
 * other, the durable ones retried until they land.
 */
import type { PersistentVolumeClaim } from "../../api/mod.ts";
import { sleep } from "../../lib/backoff.ts";
import { messageOf } from "../../lib/errors.ts";
import { isNotFound } from "../../lib/kube/api_error.ts";
import type { Logger } from "../../lib/log.ts";
import { annotationChanges, importAnnotations, type ImportStep } from "./import_state.ts";

export interface ImportStepWriterOptions {
  /** Merge-patches the claim's annotations; answers the claim as written. */
  patchAnnotations(
    pvc: PersistentVolumeClaim,
    changes: Record<string, string>,
  ): Promise<PersistentVolumeClaim>;
  log: Logger;
}

/** What the writer keeps on an import's job. */
export interface ClaimWrites {
  key: string;
  uid: string;
  abort: AbortController;
  /** The claim's annotations as last written or read, so only changes are written. */
  annotations: Record<string, string>;
  /** The claim's resourceVersion after this agent's last write. */
  writtenVersion: string | undefined;
  /** Writes to the claim, one after the other. */
  writes: Promise<void>;
}

export class ImportStepWriter {
  #opts: ImportStepWriterOptions;
  #onGone: (job: ClaimWrites) => void;

  /** `onGone` is told when the claim of a job is not found any more. */
  constructor(opts: ImportStepWriterOptions, onGone: (job: ClaimWrites) => void) {
    this.#opts = opts;
    this.#onGone = onGone;
  }

  /**
   * Writes a step's annotations when they change anything, after the writes before it. A
   * `durable` write is retried until it lands (or the claim or the job is gone); progress is not.
   */
  write(
    job: ClaimWrites,
    pvc: PersistentVolumeClaim,
    step: ImportStep,
    durable = true,
  ): Promise<void> {
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
          if (isNotFound(error)) return void this.#onGone(job);
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
