/**
 * A layer blob as the tar stream it packs. The media type must name a filesystem layer; the
 * compression is then read from the first bytes, as containerd does (images exist whose gzip
 * media type covers a plain tar): gzip (multi-member too, through node:zlib) or none; zstd is
 * refused.
 */
import zlib from "node:zlib";
import { pipeline, Readable } from "node:stream";
import { webStreamOf } from "../../lib/node_readable.ts";
import { OciError, terminal } from "./errors.ts";
import type { Descriptor } from "./manifest.ts";
import { layerPackingOf } from "./media_types.ts";

const GZIP = [0x1f, 0x8b];
const ZSTD = [0x28, 0xb5, 0x2f, 0xfd];

/** Refuses, before anything is fetched, a layer this reader cannot unpack. */
export function checkLayer(layer: Descriptor, where: string): void {
  const packing = layerPackingOf(layer.mediaType);
  const refuse = (why: string) => terminal("UnsupportedLayer", `${where}: ${why}`);
  if (packing === "zstd") throw refuse("zstd-compressed layers are not supported");
  if (packing === "foreign") throw refuse("non-distributable (foreign) layers are not supported");
  if (packing === undefined) {
    throw refuse(`media type ${JSON.stringify(layer.mediaType)} is not a filesystem layer`);
  }
}

/** The tar stream inside `blob`; errors of the blob (a digest mismatch) pass through unchanged. */
export async function unpackedLayer(
  blob: ReadableStream<Uint8Array>,
  where: string,
): Promise<ReadableStream<Uint8Array>> {
  const reader = blob.getReader();
  let head = new Uint8Array(0);
  let done = false;
  while (head.length < ZSTD.length && !done) {
    const next = await reader.read();
    if (next.done) done = true;
    else head = new Uint8Array([...head, ...next.value]);
  }
  const startsWith = (magic: number[]) => magic.every((byte, i) => head[i] === byte);
  if (startsWith(ZSTD)) {
    await reader.cancel();
    throw terminal("UnsupportedLayer", `${where}: zstd-compressed layers are not supported`);
  }
  const whole = new ReadableStream<Uint8Array>({
    start(controller) {
      if (head.length > 0) controller.enqueue(head);
      if (done) controller.close();
    },
    async pull(controller) {
      const next = await reader.read();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    cancel: (reason) => reader.cancel(reason),
  }, { highWaterMark: 0 });
  return startsWith(GZIP) ? gunzipped(whole, where) : whole;
}

/** node:zlib reads concatenated gzip members (Deno's DecompressionStream stops after one). */
function gunzipped(input: ReadableStream<Uint8Array>, where: string): ReadableStream<Uint8Array> {
  const gunzip = zlib.createGunzip();
  pipeline(Readable.fromWeb(input as Parameters<typeof Readable.fromWeb>[0]), gunzip, () => {});
  return webStreamOf(gunzip, (error: unknown) => {
    const code = (error as { code?: unknown } | undefined)?.code;
    if (error instanceof OciError || typeof code !== "string" || !code.startsWith("Z_")) {
      return error;
    }
    return terminal("UnsupportedLayer", `${where} is not valid gzip data (${code})`);
  });
}
