/**
 * Writes an import's steps on its claim's annotations: only what changed, one write after the
 * other. A durable step that cannot be written fails the attempt (the controller retries it);
 * progress that cannot be written is only logged.
 */
import { FIELD_MANAGERS, type PersistentVolumeClaim } from "../../api/mod.ts";
import { messageOf } from "../../lib/errors.ts";
import type { RestClient } from "../../lib/kube/rest.ts";
import { persistentVolumeClaims } from "../../lib/kube/resources.ts";
import type { Logger } from "../../lib/log.ts";
import { annotationChanges, importAnnotations, type ImportStep } from "./import_state.ts";

export class ImportStepWriter {
  #rest: RestClient;
  #pvc: PersistentVolumeClaim;
  #log: Logger;
  #signal: AbortSignal;
  /** The claim's annotations as last written or read, so only changes are written. */
  #annotations: Record<string, string>;
  #writes: Promise<void> = Promise.resolve();
  /** The claim's resourceVersion after this writer's last write. */
  writtenVersion: string | undefined;

  constructor(rest: RestClient, pvc: PersistentVolumeClaim, log: Logger, signal: AbortSignal) {
    this.#rest = rest;
    this.#pvc = pvc;
    this.#log = log;
    this.#signal = signal;
    this.#annotations = { ...pvc.metadata?.annotations };
  }

  /** Writes a step's annotations, after the writes before it, when they change anything. */
  write(step: ImportStep): Promise<void> {
    const write = this.#writes.then(() => this.#patch(step));
    this.#writes = write.catch(() => {});
    return write;
  }

  /** Writes progress; a failure is logged, not raised (the next report tries again). */
  progress(step: ImportStep & { step: "progress" }): void {
    this.write(step).catch((error) =>
      this.#log.debug("Cannot write import progress", { error: messageOf(error) })
    );
  }

  async #patch(step: ImportStep): Promise<void> {
    const changes = annotationChanges(this.#annotations, importAnnotations(step));
    if (!changes) return;
    const { namespace, name } = this.#pvc.metadata ?? {};
    const written = await this.#rest.patch<PersistentVolumeClaim>(
      persistentVolumeClaims,
      { namespace: namespace ?? "default", name: name ?? "" },
      { metadata: { uid: this.#pvc.metadata?.uid, annotations: changes } },
      { type: "merge", fieldManager: FIELD_MANAGERS.agent, signal: this.#signal },
    );
    this.#annotations = { ...this.#annotations, ...changes, ...written.metadata?.annotations };
    this.writtenVersion = written.metadata?.resourceVersion;
  }
}
