/** Shared by the import tests: small images made on the fly, a local server, and checks. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runChecked } from "../../lib/exec.ts";
import { ImportError } from "./types.ts";
import { ensurePki, LOOPBACK_SANS, pkiFiles } from "../../stack/pki.ts";

export const MiB = 1024 * 1024;

/** A raw image of `size` bytes: mostly zeros, markers at several offsets, one noisy block. */
export function patternedImage(size = 4 * MiB): Uint8Array {
  const image = new Uint8Array(size);
  const marker = (offset: number, text: string) => {
    const bytes = new TextEncoder().encode(text);
    if (offset + bytes.length <= size) image.set(bytes, offset);
  };
  marker(0, "DENOVIRT-START");
  marker(510, "\x55\xaa");
  marker(MiB + 7, "one MiB and seven");
  marker(2 * MiB - 3, "across the 2 MiB line");
  marker(size - 16, "DENOVIRT-END....");
  // Noise that compresses badly, from a fixed seed so failures repeat.
  let seed = 42;
  for (let i = 3 * MiB; i < 3 * MiB + 64 * 1024 && i < size - 16; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    image[i] = seed >>> 24;
  }
  return image;
}

/** Runs `fn` with a fresh temporary directory, removed afterwards. */
export async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "denovirt-import-" }));
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

export interface TestServer {
  /** `http(s)://127.0.0.1:<port><path>`. */
  url(path: string): string;
  origin: string;
}

/** Serves `handler` on 127.0.0.1 (TLS when `tls` is given) while `fn` runs. */
export async function withServer(
  handler: (req: Request) => Response | Promise<Response>,
  fn: (server: TestServer) => Promise<void>,
  tls?: { cert: string; key: string },
): Promise<void> {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {}, ...(tls ?? {}) },
    handler,
  );
  const origin = `${tls ? "https" : "http"}://127.0.0.1:${server.addr.port}`;
  try {
    await fn({ origin, url: (path) => origin + path });
  } finally {
    await server.shutdown();
  }
}

/** A 200 answer with Content-Length. */
export const bodyOf = (bytes: Uint8Array) =>
  new Response(bytes.slice(), { headers: { "content-length": String(bytes.length) } });

export async function gzipOf(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes.slice()]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export async function xzOf(bytes: Uint8Array, dir: string): Promise<Uint8Array> {
  const path = join(dir, `xz-${crypto.randomUUID()}`);
  await Deno.writeFile(path, bytes);
  await runChecked("xz", ["-T1", "-0", path]);
  const packed = await Deno.readFile(`${path}.xz`);
  await Deno.remove(`${path}.xz`);
  return packed;
}

/** The raw image as a qcow2 file's bytes. */
export async function qcow2Of(raw: Uint8Array, dir: string): Promise<Uint8Array> {
  const stem = join(dir, `qcow2-${crypto.randomUUID()}`);
  await Deno.writeFile(`${stem}.raw`, raw);
  await runChecked("qemu-img", ["convert", "-q", "-f", "raw", "-O", "qcow2", `${stem}.raw`, stem]);
  const bytes = await Deno.readFile(stem);
  await Deno.remove(`${stem}.raw`);
  await Deno.remove(stem);
  return bytes;
}

/** disk.img holds `expected` then zeros up to `capacity`, is sparse, and the scratch is gone. */
export async function assertImported(targetDir: string, expected: Uint8Array, capacity: number) {
  const path = join(targetDir, "disk.img");
  const info = await Deno.stat(path);
  assert.equal(info.size, capacity);
  assert.equal((info.mode ?? 0) & 0o777, 0o600);
  const disk = await Deno.readFile(path);
  assert.ok(equalBytes(disk.subarray(0, expected.length), expected), "the image's bytes differ");
  assert.ok(disk.subarray(expected.length).every((b) => b === 0), "the padding is not zeros");
  assert.ok((info.blocks ?? 0) * 512 < capacity, "disk.img is not sparse");
  await assertNoScratch(targetDir);
}

/** Neither disk.img nor .import/ is there. */
export async function assertNothingLeft(targetDir: string) {
  await assert.rejects(Deno.lstat(join(targetDir, "disk.img")), Deno.errors.NotFound);
  await assertNoScratch(targetDir);
}

async function assertNoScratch(targetDir: string) {
  await assert.rejects(Deno.lstat(join(targetDir, ".import")), Deno.errors.NotFound);
}

/** The promise rejects with an ImportError of this reason and retryability; returns it. */
export async function importFails(
  promise: Promise<unknown>,
  reason: string,
  retryable: boolean,
): Promise<ImportError> {
  let caught: unknown;
  await assert.rejects(promise, (error) => {
    caught = error;
    return true;
  });
  assert.ok(caught instanceof ImportError, `expected an ImportError, got ${caught}`);
  assert.equal(caught.reason, reason, caught.message);
  assert.equal(caught.retryable, retryable, caught.message);
  return caught;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A PEM CA and a serving certificate for 127.0.0.1 and localhost, made as the stack makes its own. */
export async function makeTlsFiles(
  dir: string,
): Promise<{ ca: string; cert: string; key: string }> {
  await ensurePki(dir, [{ name: "serving", sans: LOOPBACK_SANS }], []);
  const files = pkiFiles(dir);
  return {
    ca: await Deno.readTextFile(files.caCert),
    cert: await Deno.readTextFile(files.cert("serving")),
    key: await Deno.readTextFile(files.key("serving")),
  };
}
