/**
 * A stream written into a new file through one fixed buffer: blocks of zeros become holes (the
 * file stays sparse, as qemu-img's output is), and more bytes than allowed stop the stream.
 */
import { diskFull, isDiskFull } from "./errors.ts";
import type { ImportError } from "./types.ts";

const BLOCK = 64 * 1024;
const BUFFER = 16 * BLOCK;

export interface SparseWriteOptions {
  /** More bytes than this fail the write with `tooLarge()`, as soon as they arrive. */
  limit: number;
  tooLarge: () => ImportError;
  signal: AbortSignal;
  /** Message prefix of a full disk's error. */
  where: string;
}

/** Writes `source` into the new file `path` (mode 0600); returns the number of bytes. */
export async function writeSparse(
  source: ReadableStream<Uint8Array>,
  path: string,
  options: SparseWriteOptions,
): Promise<number> {
  const file = await Deno.open(path, { write: true, createNew: true, mode: 0o600 });
  // One buffer fills while the other is written: the network and the disk work at once.
  const buffers = [new Uint8Array(BUFFER), new Uint8Array(BUFFER)] as const;
  let buffer: Uint8Array = buffers[0];
  let buffered = 0;
  /** Where `buffer` starts in the file. */
  let offset = 0;
  let writing = Promise.resolve();

  const writeRuns = async (bytes: Uint8Array, length: number, at: number) => {
    for (let start = 0; start < length;) {
      if (isZero(bytes, start, Math.min(start + BLOCK, length))) {
        start += BLOCK;
        continue;
      }
      let end = start + BLOCK;
      while (end < length && !isZero(bytes, end, Math.min(end + BLOCK, length))) end += BLOCK;
      end = Math.min(end, length);
      await file.seek(at + start, Deno.SeekMode.Start);
      await writeAll(file, bytes.subarray(start, end));
      start = end;
    }
  };
  const flush = async () => {
    await writing;
    writing = writeRuns(buffer, buffered, offset);
    writing.catch(() => {}); // Seen by the next flush, or by close.
    offset += buffered;
    buffered = 0;
    buffer = buffer === buffers[0] ? buffers[1] : buffers[0];
  };

  const sink = new WritableStream<Uint8Array>({
    async write(chunk) {
      if (offset + buffered + chunk.length > options.limit) throw options.tooLarge();
      for (let at = 0; at < chunk.length;) {
        const part = chunk.subarray(at, at + BUFFER - buffered);
        buffer.set(part, buffered);
        buffered += part.length;
        at += part.length;
        if (buffered === BUFFER) await flush();
      }
    },
    async close() {
      await flush();
      await writing;
      // Trailing holes were skipped: the length says where the data ends.
      await file.truncate(offset);
    },
  });
  try {
    await source.pipeTo(sink, { signal: options.signal });
    return offset;
  } catch (error) {
    throw isDiskFull(error) ? diskFull(options.where) : error;
  } finally {
    await writing.catch(() => {});
    file.close();
  }
}

function isZero(bytes: Uint8Array, start: number, end: number): boolean {
  // Word-wise where aligned (the buffer is ours, so blocks are), bytewise for the tail.
  const words = Math.floor((end - start) / 4);
  const view = new Uint32Array(bytes.buffer, bytes.byteOffset + start, words);
  for (let i = 0; i < words; i++) if (view[i] !== 0) return false;
  for (let i = start + words * 4; i < end; i++) if (bytes[i] !== 0) return false;
  return true;
}

async function writeAll(file: Deno.FsFile, bytes: Uint8Array) {
  for (let at = 0; at < bytes.length;) at += await file.write(bytes.subarray(at));
}
