/** A new file written from chunks, with holes where whole blocks are zeros (disk images are mostly). */

const BLOCK = 4096;

/** Writes `chunks` into the new file `path` (mode 0644); returns the bytes written. */
export async function writeSparseFile(
  path: string,
  chunks: AsyncIterable<Uint8Array>,
  signal: AbortSignal,
): Promise<number> {
  const file = await Deno.open(path, { write: true, createNew: true, mode: 0o644 });
  let offset = 0;
  /** Where the file's cursor is. */
  let position = 0;
  try {
    for await (const chunk of chunks) {
      signal.throwIfAborted();
      // Blocks aligned to the file's offsets; runs of non-zero blocks go out in one write.
      let runStart = -1;
      const flush = async (end: number) => {
        if (runStart < 0) return;
        if (position !== offset + runStart) {
          await file.seek(offset + runStart, Deno.SeekMode.Start);
        }
        await writeAll(file, chunk.subarray(runStart, end));
        position = offset + end;
        runStart = -1;
      };
      for (let at = 0; at < chunk.length;) {
        const end = Math.min(chunk.length, at + BLOCK - ((offset + at) % BLOCK));
        if (isZero(chunk, at, end)) await flush(at);
        else if (runStart < 0) runStart = at;
        at = end;
      }
      await flush(chunk.length);
      offset += chunk.length;
    }
    // Trailing zeros were skipped: the length says where the data ends.
    await file.truncate(offset);
  } finally {
    file.close();
  }
  return offset;
}

function isZero(bytes: Uint8Array, start: number, end: number): boolean {
  const from = bytes.byteOffset + start;
  if (from % 4 === 0 && (end - start) % 4 === 0) {
    const words = new Uint32Array(bytes.buffer, from, (end - start) / 4);
    for (let i = 0; i < words.length; i++) if (words[i] !== 0) return false;
    return true;
  }
  for (let i = start; i < end; i++) if (bytes[i] !== 0) return false;
  return true;
}

async function writeAll(file: Deno.FsFile, bytes: Uint8Array) {
  for (let at = 0; at < bytes.length;) at += await file.write(bytes.subarray(at));
}
