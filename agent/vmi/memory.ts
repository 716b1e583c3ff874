/** What the agent's VMI controller remembers between passes; losing it repeats harmless steps. */
import type { VMI } from "../../api/mod.ts";

export class PassMemory {
  /** When the guest of a key was last asked to shut down. */
  readonly shutdownRequestedAt = new Map<string, number>();
  /** The last start error of a key, for the Failed message. */
  readonly lastError = new Map<string, string>();
  /** Objects written since the cache last changed, by key, with the version they replaced. */
  readonly written = new Map<string, { replaced: string; object: VMI }>();
  /** Keys whose guest this process joined to its pod network (started, or adopted and checked). */
  readonly networkEnsured = new Set<string>();

  /** Forget a key (its VMI and domain are gone). */
  forget(key: string): void {
    this.shutdownRequestedAt.delete(key);
    this.lastError.delete(key);
    this.written.delete(key);
    this.networkEnsured.delete(key);
  }
}
