/**
 * A controller's own writes that its cache has not shown yet. A pass that runs on a cached object
 * older than the controller's last write to it (another watch's event can arrive first) decides
 * on stale data and usually ends in a 409 and a backoff; the Manager skips such a pass instead,
 * and the watch event of the write itself brings the key back.
 */
export class OwnWrites {
  /** Per key: the versions a pass read or went through, and the one its last write made. */
  #pending = new Map<string, { before: Set<string>; last: string }>();

  /** A pass of `key` wrote the object, which was at `read` and now is at `wrote`. */
  note(key: string, read: string | undefined, wrote: string | undefined): void {
    // A write that changed nothing keeps the version: the cache will never move past it.
    if (read === undefined || wrote === undefined || read === wrote) return;
    const pending = this.#pending.get(key) ?? { before: new Set<string>(), last: wrote };
    pending.before.add(read).add(pending.last);
    pending.before.delete(wrote);
    pending.last = wrote;
    this.#pending.set(key, pending);
  }

  /**
   * Whether the cache, showing `cached` for `key`, still predates this controller's last write
   * to it (it shows a version that write or an earlier one of the same pass was made over).
   * Anything else, the last write, someone else's newer version or the object gone, ends the wait.
   */
  behind(key: string, cached: string | undefined): boolean {
    const pending = this.#pending.get(key);
    if (!pending) return false;
    if (cached !== undefined && pending.before.has(cached)) return true;
    this.#pending.delete(key);
    return false;
  }

  /** Keys still waiting for their cache. */
  get size(): number {
    return this.#pending.size;
  }
}
