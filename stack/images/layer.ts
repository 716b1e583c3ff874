/** Write a gzip-compressed tar layer from entries, streaming, with its digest and diff_id. */
import { createHash, type Hash } from "node:crypto";
import { tarEnd, type TarEntry, tarHeader, tarPadding } from "./tar.ts";

/** A written layer: the compressed blob's digest and size, and the digest of the plain tar. */
export interface LayerBlob {
  /** `sha256:<hex>` of the gzip stream: the blob's name in a registry. */
  digest: string;
  size: number;
  /** `sha256:<hex>` of the uncompressed tar: the image config's `rootfs.diff_ids` entry. */
  diffId: string;
}

/** Write the tar of `entries`, gzip-compressed, to `file`; file contents are read as they go. */
export async function writeLayer(entries: TarEntry[], file: string): Promise<LayerBlob> {
  const plain = createHash("sha256");
  const packed = createHash("sha256");
  let size = 0;
  const out = await Deno.open(file, { write: true, create: true, truncate: true });
  await ReadableStream.from(tarChunks(entries))
    .pipeThrough(hashing(plain))
    .pipeThrough(gzip())
    .pipeThrough(hashing(packed, (n) => size += n))
    .pipeTo(out.writable);
  return {
    digest: `sha256:${packed.digest("hex")}`,
    size,
    diffId: `sha256:${plain.digest("hex")}`,
  };
}

/** The bytes of a tar archive of `entries`, block by block. */
async function* tarChunks(entries: TarEntry[]): AsyncGenerator<Uint8Array> {
  for (const entry of entries) {
    yield tarHeader(entry);
    if (entry.type !== "file") continue;
    let seen = 0;
    if ("bytes" in entry.content) {
      seen = entry.content.bytes.length;
      yield entry.content.bytes;
    } else {
      const source = await Deno.open(entry.content.path);
      for await (const chunk of source.readable) {
        seen += chunk.length;
        yield chunk;
      }
    }
    if (seen !== entry.size) {
      throw new Error(
        `Cannot write tar entry ${entry.name}: ${seen} bytes, expected ${entry.size}`,
      );
    }
    yield tarPadding(entry.size);
  }
  yield tarEnd();
}

/** CompressionStream typed for the Uint8Array chunks it is given here (it takes any BufferSource). */
function gzip(): TransformStream<Uint8Array, Uint8Array> {
  return new CompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>;
}

/** A pass-through stream that feeds a hash (and an optional byte counter). */
function hashing(hash: Hash, count?: (n: number) => void): TransformStream<Uint8Array, Uint8Array> {
  return new TransformStream({
    transform(chunk, controller) {
      hash.update(chunk);
      count?.(chunk.length);
      controller.enqueue(chunk);
    },
  });
}
