/**
 * An http(s) source into `.import/disk.img.part`, streamed: body -> checksum and progress ->
 * decompression -> format by magic bytes -> a sparse raw file, or a qcow2 file converted to one.
 */
import { ChecksumVerifier, parseChecksum } from "./checksum.ts";
import { decompressed } from "./decompress.ts";
import {
  COMPRESSION_MAGIC_LENGTH,
  compressionOf,
  FORMAT_MAGIC_LENGTH,
  formatOf,
  refusedFormatOf,
} from "./detect.ts";
import { terminal } from "./errors.ts";
import { checkedUrl, DEFAULT_IDLE_TIMEOUT_MS, openHttpBody } from "./http_body.ts";
import { throttledProgress } from "./progress.ts";
import { qcow2ToRaw } from "./qcow2.ts";
import { redactUrl } from "./redact.ts";
import type { ImportPaths } from "./scratch.ts";
import { writeSparse } from "./sparse_writer.ts";
import { peek, tap } from "./streams.ts";
import type { ImportRequest, ImportResult, ImportSource } from "./types.ts";

export type HttpSource = Extract<ImportSource, { kind: "http" }>;

const MiB = 1024 * 1024;

/** A qcow2 may hold metadata beyond its virtual size, but not much. */
export const qcow2DownloadLimit = (capacityBytes: number) => Math.ceil(capacityBytes * 1.1) + MiB;

/** Checks what can be checked before anything is touched: the URL and the checksum's form. */
export function validateHttpSource(source: HttpSource): void {
  checkedUrl(source.url);
  if (source.checksum !== undefined) parseChecksum(source.checksum);
  try {
    new Headers(source.headers);
  } catch {
    throw terminal(
      "InvalidHeaders",
      `Cannot import ${redactUrl(source.url)}: a request header's name or value is not valid ` +
        `(names: ${Object.keys(source.headers).join(", ")})`,
    );
  }
}

export async function importHttp(
  source: HttpSource,
  req: ImportRequest,
  paths: ImportPaths,
): Promise<ImportResult> {
  const { signal, capacityBytes } = req;
  const where = `Cannot import ${redactUrl(source.url)}`;
  const verifier = source.checksum === undefined
    ? undefined
    : new ChecksumVerifier(parseChecksum(source.checksum));
  const http = await openHttpBody({
    url: source.url,
    headers: source.headers,
    caCerts: source.caCerts,
    signal,
    idleTimeoutMs: req.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
  });
  const closers: (() => void | Promise<void>)[] = [http.close];
  try {
    const progress = throttledProgress(req.onProgress, http.totalBytes);
    let transferred = 0;
    const served = http.body.pipeThrough(tap((chunk) => {
      transferred += chunk.length;
      verifier?.update(chunk);
      progress.update(transferred);
    }, () => progress.finish(transferred)));

    const body = await peek(served, COMPRESSION_MAGIC_LENGTH);
    const compression = compressionOf(body.head);
    const unpacked = decompressed(body.stream, compression, signal, where);
    closers.push(unpacked.close);
    const image = compression === "none" ? body : await peek(unpacked.stream, FORMAT_MAGIC_LENGTH);
    const refused = refusedFormatOf(image.head);
    if (refused) {
      throw terminal(
        "UnsupportedFormat",
        `${where}: the image is ${refused}; denovirt imports raw and qcow2 images, plain or ` +
          "compressed with gzip or xz",
      );
    }
    const format = formatOf(image.head);

    const raw = format === "raw";
    const bytes = await writeSparse(image.stream, raw ? paths.partial : paths.qcow2, {
      limit: raw ? capacityBytes : qcow2DownloadLimit(capacityBytes),
      tooLarge: () =>
        terminal(
          "ImageTooLarge",
          raw
            ? `${where}: the image is larger than the volume's capacity of ${capacityBytes} bytes`
            : `${where}: the qcow2 file is larger than ${qcow2DownloadLimit(capacityBytes)} ` +
              `bytes, too large for the volume's capacity of ${capacityBytes} bytes`,
        ),
      signal,
      where,
    });
    // The whole body went by: check it before the image is used in any way.
    verifier?.verify(where);
    const virtualSizeBytes = raw
      ? bytes
      : await qcow2ToRaw(paths.qcow2, paths.partial, capacityBytes, signal, where);
    return { format, compression, transferredBytes: transferred, virtualSizeBytes };
  } finally {
    for (const close of closers.reverse()) await close();
  }
}
