/**
 * What the import benches share: the test images (built once into a cache), the HTTP server of
 * that cache, the reference tools (`curl`, `qemu-img convert`) and the /proc readings.
 */
import { join } from "node:path";
import { run, runChecked } from "../lib/exec.ts";

export const MiB = 1024 * 1024;
/** Where the images are built and kept between runs (until a bench removes it). */
export const IMAGE_CACHE = "/tmp/denovirt-import-bench";

/** The same image as raw, gzip-compressed raw and qcow2. */
export interface ImageFiles {
  raw: string;
  gz: string;
  qcow2: string;
}

/** The image's size in bytes (whole MiBs) from `--size-gib`; throws on anything but a positive number. */
export function imageSizeOf(sizeGiB: string | undefined): number {
  const gib = Number(sizeGiB);
  if (!(gib > 0)) throw new Error(`--size-gib must be a positive number, not ${sizeGiB}`);
  return Math.round(gib * 1024) * MiB;
}

/** The image files of `size` bytes in the cache (built or not). */
export function imageFilesOf(size: number): ImageFiles {
  const stem = join(IMAGE_CACHE, `image-${size / MiB}m`);
  return { raw: `${stem}.raw`, gz: `${stem}.raw.gz`, qcow2: `${stem}.qcow2` };
}

/** Builds whichever of the images of `size` bytes the cache lacks; answers their paths. */
export async function ensureImages(size: number, say: (line: string) => void): Promise<ImageFiles> {
  const files = imageFilesOf(size);
  await Deno.mkdir(IMAGE_CACHE, { recursive: true });
  const exists = (path: string) => Deno.stat(path).then(() => true, () => false);
  if (!(await exists(files.raw))) {
    say(`building a ${size / MiB / 1024} GiB raw image`);
    await buildRaw(`${files.raw}.tmp`, size);
    await Deno.rename(`${files.raw}.tmp`, files.raw);
  }
  if (!(await exists(files.qcow2))) {
    say("converting it to qcow2");
    const args = ["convert", "-f", "raw", "-O", "qcow2", files.raw, `${files.qcow2}.tmp`];
    await runChecked("qemu-img", args);
    await Deno.rename(`${files.qcow2}.tmp`, files.qcow2);
  }
  if (!(await exists(files.gz))) {
    say("compressing it with gzip -1");
    await runChecked("sh", [
      "-c",
      'gzip -1 -c "$1" > "$2.tmp" && mv "$2.tmp" "$2"',
      "sh",
      files.raw,
      files.gz,
    ]);
  }
  return files;
}

/** Bytes of each file as served. */
export async function servedSizesOf(files: ImageFiles): Promise<Record<keyof ImageFiles, number>> {
  return {
    raw: (await Deno.stat(files.raw)).size,
    gz: (await Deno.stat(files.gz)).size,
    qcow2: (await Deno.stat(files.qcow2)).size,
  };
}

/** The conditions' line about the image. */
export function imageCondition(size: number, served: Record<keyof ImageFiles, number>): string {
  const mib = (bytes: number) => (bytes / MiB).toFixed(0);
  return `- image: ${size / MiB / 1024} GiB raw (50% random MiBs, 10% compressible text, 40% ` +
    `zeros); qcow2 ${mib(served.qcow2)} MiB; raw.gz (gzip -1) ${mib(served.gz)} MiB`;
}

/** Half random MiBs, a tenth of compressible text, the rest zeros (holes), in a fixed order. */
async function buildRaw(path: string, size: number) {
  const file = await Deno.open(path, { write: true, create: true, truncate: true });
  const random = new Uint8Array(MiB);
  const text = new TextEncoder().encode("denovirt import bench: a line of compressible text\n");
  const compressible = new Uint8Array(MiB).map((_, i) => text[i % text.length]!);
  try {
    for (let mib = 0; mib < size / MiB; mib++) {
      const kind = (mib * 7919) % 10; // spread the kinds over the image
      if (kind < 5) {
        for (let at = 0; at < MiB; at += 65536) {
          crypto.getRandomValues(random.subarray(at, at + 65536));
        }
        await writeAt(file, random, mib * MiB);
      } else if (kind === 5) {
        await writeAt(file, compressible, mib * MiB);
      }
    }
    await file.truncate(size);
  } finally {
    file.close();
  }
}

async function writeAt(file: Deno.FsFile, bytes: Uint8Array, offset: number) {
  await file.seek(offset, Deno.SeekMode.Start);
  for (let at = 0; at < bytes.length;) at += await file.write(bytes.subarray(at));
}

/** Serves the cached files by name on 127.0.0.1, with Content-Length, streamed from disk. */
export function serveCache(): Deno.HttpServer<Deno.NetAddr> {
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const path = join(IMAGE_CACHE, new URL(req.url).pathname.slice(1));
    const file = await Deno.open(path).catch(() => undefined);
    if (!file) return new Response(null, { status: 404 });
    const { size } = await file.stat();
    return new Response(file.readable, { headers: { "content-length": String(size) } });
  });
}

/** The URL `serveCache()`'s `server` answers a cached `file` on. */
export function urlOf(server: Deno.HttpServer<Deno.NetAddr>, file: string): string {
  return `http://127.0.0.1:${server.addr.port}/${file.slice(IMAGE_CACHE.length + 1)}`;
}

/** Seconds `fn` took. */
export async function timed(fn: () => Promise<unknown>): Promise<{ seconds: number }> {
  const began = performance.now();
  await fn();
  return { seconds: (performance.now() - began) / 1000 };
}

/** `curl -sS -o /dev/null url`, timed. */
export const curlToNull = (url: string) =>
  timed(() => runChecked("curl", ["-sS", "-o", "/dev/null", url]));

/** `qemu-img convert` of a local qcow2 to raw in `workDir`, as the import runs it, timed. */
export async function convertQcow2(qcow2: string, workDir: string): Promise<{ seconds: number }> {
  const target = join(workDir, "converted.raw");
  const args = ["convert", "-f", "qcow2", "-O", "raw", "-t", "none", qcow2, target];
  const sample = await timed(() => runChecked("qemu-img", args));
  await Deno.remove(target);
  return sample;
}

/** "qemu-img 7.2.22" from `qemu-img --version`; likewise for curl. */
export async function toolVersion(cmd: string): Promise<string> {
  return `${cmd} ${/\d+\.\d+(\.\d+)?/.exec((await run(cmd, ["--version"])).stdout)?.[0] ?? "?"}`;
}

/** Megabytes (10^6) per second, or "" for no bytes. */
export const mbps = (bytes: number, seconds: number) =>
  bytes === 0 ? "" : (bytes / 1e6 / seconds).toFixed(0);

/** A field of /proc/<pid>/status in KiB (VmRSS, VmHWM); 0 when the process is gone. */
export async function statusKiB(pid: number, field: string): Promise<number> {
  try {
    const status = await Deno.readTextFile(`/proc/${pid}/status`);
    return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** Every process below `root` (children, their children, ...). */
export function descendantsOf(root: number): number[] {
  // Synchronous reads: a scan every 100 ms costs a fifth of the CPU the async ones do.
  const parents = new Map<number, number>();
  for (const entry of Deno.readDirSync("/proc")) {
    const pid = Number(entry.name);
    if (!Number.isInteger(pid)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
      parents.set(pid, Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // Gone.
    }
  }
  const isBelow = (pid: number): boolean => {
    for (let p = parents.get(pid); p !== undefined && p > 1; p = parents.get(p)) {
      if (p === root) return true;
    }
    return false;
  };
  return [...parents.keys()].filter(isBelow);
}
