/** A stream read by byte counts: whole tar blocks, bounded runs of data, skips. */

/** Reads a byte stream in the amounts asked for, whatever its chunks. */
export class ByteReader {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  #chunk: Uint8Array = new Uint8Array(0);
  #done = false;

  constructor(stream: ReadableStream<Uint8Array>) {
    this.#reader = stream.getReader();
  }

  /** Whether bytes are buffered, reading more if needed; false at the end of the stream. */
  async #fill(): Promise<boolean> {
    while (this.#chunk.length === 0) {
      if (this.#done) return false;
      const { done, value } = await this.#reader.read();
      if (done) this.#done = true;
      else this.#chunk = value;
    }
    return true;
  }

  /** Up to `max` (> 0) bytes as they come, or undefined at the end of the stream. */
  async read(max: number): Promise<Uint8Array | undefined> {
    if (!(await this.#fill())) return undefined;
    const part = this.#chunk.subarray(0, max);
    this.#chunk = this.#chunk.subarray(part.length);
    return part;
  }

  /** Exactly `n` bytes; undefined if the stream ends first ("partial" says whether any came). */
  async exact(n: number): Promise<{ bytes?: Uint8Array; partial: boolean }> {
    const bytes = new Uint8Array(n);
    for (let at = 0; at < n;) {
      const part = await this.read(n - at);
      if (!part) return { partial: at > 0 };
      bytes.set(part, at);
      at += part.length;
    }
    return { bytes, partial: false };
  }

  /** Skips `n` bytes; false if the stream ends first. */
  async skip(n: number): Promise<boolean> {
    for (let left = n; left > 0;) {
      const part = await this.read(left);
      if (!part) return false;
      left -= part.length;
    }
    return true;
  }

  /** Reads to the end of the stream, dropping the bytes (a digest check may wait there). */
  async drain(): Promise<void> {
    while (await this.read(Infinity));
  }

  /** Stops the stream if it has not ended. */
  async cancel(reason?: unknown): Promise<void> {
    if (!this.#done) await this.#reader.cancel(reason).catch(() => {});
  }
}
