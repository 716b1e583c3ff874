/**
 * The disk of a containerDisk image, written to one file: each layer streamed once, only the
 * disk's candidates written (through temporary names beside the target), nothing else touched.
 */
import { basename, dirname, join } from "node:path";
import type { RegistryClient, ResolvedImage } from "./client.ts";
import { terminal } from "./errors.ts";
import { checkLayer, unpackedLayer } from "./layer.ts";
import { DiskSearch } from "./overlay.ts";
import { formatImageReference } from "./reference.ts";
import { writeSparseFile } from "./sparse_file.ts";
import { readTar } from "./tar.ts";

export interface ExtractOptions {
  /** The file to write; only ever created by renaming a finished temporary file in its directory. */
  target: string;
  /** KubeVirt's containerDisk `path`: the disk file in the image; default: the file in /disk/. */
  path?: string;
  /** More than this many bytes of disk data held at once fail with TooLarge, before writing. */
  maxBytes: number;
  signal?: AbortSignal;
  /** Layer bytes received so far and in all (at most every 250 ms, and after each layer). */
  onProgress?: (progress: { bytes: number; totalBytes: number }) => void;
}

export interface ExtractedDisk {
  /** The disk file's size. */
  bytes: number;
  /** Where the disk was in the image, e.g. `/disk/cirros.qcow2`. */
  sourcePath: string;
}

const PROGRESS_INTERVAL_MS = 250;

/**
 * Finds the disk of a containerDisk image: the single regular file under `/disk/` once all
 * layers are applied in order (whiteouts and opaque directories honoured), or the file at
 * `path` when given. Writes it sparse, mode 0644, to `target`; links are never followed. Fails,
 * leaving nothing at `target` or its temporaries, with NotADiskImage, UnsafeLayer,
 * UnsupportedLayer, DigestMismatch, TooLarge, the client's errors, or the signal's reason.
 */
export async function extractDiskFile(
  client: RegistryClient,
  image: ResolvedImage,
  options: ExtractOptions,
): Promise<ExtractedDisk> {
  const where = `Cannot use image ${formatImageReference(image.reference)}`;
  const signal = options.signal ?? new AbortController().signal;
  const layerWhere = (digest: string) => `${where}: layer ${digest}`;
  for (const layer of image.layers) checkLayer(layer, layerWhere(layer.digest));
  const search = new DiskSearch(options.path, where);
  const progress = progressReporter(options, image.layers.reduce((n, l) => n + l.size, 0));
  /** Candidates written so far, by their path in the image. */
  const written = new Map<string, { file: string; bytes: number }>();
  let held = 0;
  const drop = async (path: string) => {
    const candidate = written.get(path);
    if (!candidate) return;
    written.delete(path);
    held -= candidate.bytes;
    await Deno.remove(candidate.file).catch(() => {});
  };

  try {
    signal.throwIfAborted();
    for (const [index, layer] of image.layers.entries()) {
      const where = layerWhere(layer.digest);
      const blob = await client.blob(image.reference, layer, signal);
      const tar = await unpackedLayer(blob.pipeThrough(progress.counter()), where);
      for await (const entry of readTar(tar, where)) {
        const applied = search.apply(index, entry.path, entry.type, where);
        for (const path of applied.stale) await drop(path);
        if (applied.store === undefined) continue;
        if (held + entry.size > options.maxBytes) {
          const others = held > 0 ? ` besides the ${held} of other candidates` : "";
          throw terminal(
            "TooLarge",
            `${where}: /${entry.path} has ${entry.size} bytes${others}, ` +
              `more than the ${options.maxBytes} allowed`,
          );
        }
        const file = join(
          dirname(options.target),
          `.${basename(options.target)}.${crypto.randomUUID()}.part`,
        );
        written.set(applied.store, { file, bytes: entry.size });
        held += entry.size;
        await writeSparseFile(file, entry.data(), signal);
      }
      progress.report();
    }
    const disk = search.result();
    const chosen = written.get(disk)!;
    for (const path of [...written.keys()]) if (path !== disk) await drop(path);
    await Deno.rename(chosen.file, options.target);
    written.clear();
    return { bytes: chosen.bytes, sourcePath: `/${disk}` };
  } catch (error) {
    throw signal.aborted ? signal.reason : error;
  } finally {
    for (const path of [...written.keys()]) await drop(path);
  }
}

/** Counts layer bytes as they arrive and reports them, throttled. */
function progressReporter(options: ExtractOptions, totalBytes: number) {
  let bytes = 0;
  let last = -Infinity;
  const report = () => {
    last = performance.now();
    options.onProgress?.({ bytes, totalBytes });
  };
  return {
    counter: () =>
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          bytes += chunk.length;
          if (performance.now() - last >= PROGRESS_INTERVAL_MS) report();
          controller.enqueue(chunk);
        },
      }),
    report,
  };
}
