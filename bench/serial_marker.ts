/** When a guest's marker first appeared in its serial log: files polled, only new bytes read. */
import { sleep } from "./pace.ts";

/** What a guest's kernel prints when it gives up (e.g. TCG starved of CPU: "IO-APIC + timer"). */
export const PANIC_MARKER = "Kernel panic";

/**
 * Reads a growing file from where it left off and tells whether `marker` has appeared, or the
 * guest's kernel panicked (then the marker never comes).
 */
export class MarkerTail {
  #offset = 0;
  #carry = "";
  #found = false;
  #panicked = false;
  constructor(readonly path: string, readonly marker: string) {}

  get found(): boolean {
    return this.#found;
  }

  get panicked(): boolean {
    return this.#panicked;
  }

  /** Reads what was appended since the last call; true once the marker was seen. */
  async poll(): Promise<boolean> {
    if (this.#found) return true;
    let file: Deno.FsFile;
    try {
      file = await Deno.open(this.path, { read: true });
    } catch {
      return false; // Not created yet.
    }
    try {
      const { size } = await file.stat();
      if (size < this.#offset) this.#offset = 0; // Replaced: read it again.
      if (size === this.#offset) return false;
      await file.seek(this.#offset, Deno.SeekMode.Start);
      const buffer = new Uint8Array(size - this.#offset);
      let read = 0;
      while (read < buffer.length) {
        const n = await file.read(buffer.subarray(read));
        if (n === null) break;
        read += n;
      }
      this.#offset += read;
      const text = this.#carry + new TextDecoder().decode(buffer.subarray(0, read));
      this.#found = text.includes(this.marker);
      this.#panicked = !this.#found && text.includes(PANIC_MARKER);
      // Keep enough of the end to find a marker split across two reads.
      this.#carry = text.slice(-Math.max(this.marker.length, PANIC_MARKER.length));
      return this.#found;
    } finally {
      file.close();
    }
  }
}

/**
 * Polls every tail every `everyMs` until `signal` aborts; `seen` gets the time (performance.now())
 * of the poll that first found each marker.
 */
export async function watchMarkers(
  tails: Map<string, MarkerTail>,
  seen: Map<string, number>,
  signal: AbortSignal,
  everyMs = 50,
): Promise<void> {
  while (!signal.aborted) {
    for (const [name, tail] of tails) {
      if (seen.has(name) || tail.panicked) continue;
      if (await tail.poll()) seen.set(name, performance.now());
    }
    await sleep(everyMs);
  }
}
