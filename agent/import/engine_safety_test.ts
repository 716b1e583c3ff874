import assert from "node:assert/strict";
import { join } from "node:path";
import { runChecked } from "../../lib/exec.ts";
import { runImport } from "./engine.ts";
import {
  assertImported,
  assertNothingLeft,
  bodyOf,
  gzipOf,
  importFails,
  makeTlsFiles,
  MiB,
  patternedImage,
  qcow2Of,
  withServer,
  withTempDir,
  xzOf,
} from "./test_fixtures.ts";
import type { ImportRequest } from "./types.ts";

const request = (
  targetDir: string,
  url: string,
  capacityBytes = 8 * MiB,
  caCerts: string[] = [],
): ImportRequest => ({
  source: { kind: "http", url, headers: {}, caCerts },
  targetDir,
  capacityBytes,
  signal: new AbortController().signal,
});

/** Serves the files of `dir` by name. */
const serveDir = (dir: string) => async (req: Request) => {
  const name = new URL(req.url).pathname.slice(1);
  return bodyOf(await Deno.readFile(join(dir, name)));
};

Deno.test("runImport() refuses a qcow2 with a backing file and leaves nothing behind", () =>
  withTempDir(async (dir) => {
    const files = join(dir, "files");
    await Deno.mkdir(files);
    await Deno.writeFile(join(files, "base.raw"), patternedImage(MiB));
    await runChecked("qemu-img", [
      "create",
      "-q",
      "-f",
      "qcow2",
      "-b",
      join(files, "base.raw"),
      "-F",
      "raw",
      join(files, "overlay.qcow2"),
    ]);
    const target = join(dir, "target");
    await Deno.mkdir(target);
    await Deno.writeTextFile(join(target, "disk.img"), "an earlier import");
    await withServer(serveDir(files), async (server) => {
      const error = await importFails(
        runImport(request(target, server.url("/overlay.qcow2"))),
        "UnsafeImage",
        false,
      );
      assert.match(error.message, /backing file/);
      assert.ok(!error.message.includes("base.raw"), error.message);
    });
    await assertNothingLeft(target);
  }));

Deno.test("runImport() refuses a qcow2 with an external data file", () =>
  withTempDir(async (dir) => {
    await runChecked("qemu-img", [
      "create",
      "-q",
      "-f",
      "qcow2",
      "-o",
      `data_file=${join(dir, "x.raw")}`,
      join(dir, "external.qcow2"),
      "1M",
    ]);
    const target = join(dir, "target");
    await withServer(serveDir(dir), async (server) => {
      const error = await importFails(
        runImport(request(target, server.url("/external.qcow2"))),
        "UnsafeImage",
        false,
      );
      assert.match(error.message, /external data file/);
    });
    await assertNothingLeft(target);
  }));

Deno.test("runImport() refuses images larger than the capacity: raw, decompressed or virtual", () =>
  withTempDir(async (dir) => {
    const raw = patternedImage(4 * MiB);
    const bodies: Record<string, Uint8Array> = {
      "/disk.raw": raw,
      "/disk.raw.gz": await gzipOf(raw),
      "/disk.raw.xz": await xzOf(raw, dir),
      "/disk.qcow2": await qcow2Of(raw, dir),
    };
    await withServer((req) => bodyOf(bodies[new URL(req.url).pathname]!), async (server) => {
      for (const path of Object.keys(bodies)) {
        const error = await importFails(
          runImport(request(dir, server.url(path), 3 * MiB)),
          "ImageTooLarge",
          false,
        );
        assert.match(error.message, /capacity of 3145728 bytes/, path);
        await assertNothingLeft(dir);
      }
    });
  }));

Deno.test("runImport() fails InvalidImage on corrupt gzip and xz bodies", () =>
  withTempDir(async (dir) => {
    const raw = patternedImage();
    const corrupt = (bytes: Uint8Array) => {
      const copy = bytes.slice();
      copy.fill(0x55, 100, 200);
      return copy;
    };
    const bodies: Record<string, Uint8Array> = {
      "/disk.raw.gz": corrupt(await gzipOf(raw)),
      "/disk.raw.xz": corrupt(await xzOf(raw, dir)),
    };
    await withServer((req) => bodyOf(bodies[new URL(req.url).pathname]!), async (server) => {
      for (const path of Object.keys(bodies)) {
        const error = await importFails(
          runImport(request(dir, server.url(path))),
          "InvalidImage",
          false,
        );
        assert.match(error.message, /cannot be decompressed/, path);
        await assertNothingLeft(dir);
      }
    });
  }));

Deno.test("runImport() trusts the CA in caCerts for https, and fails TLSError without it", () =>
  withTempDir(async (dir) => {
    const tls = await makeTlsFiles(dir);
    const raw = patternedImage();
    await withServer(() => bodyOf(raw), async (server) => {
      const url = server.url("/disk.raw?sig=not-to-be-shown");
      const error = await importFails(runImport(request(dir, url)), "TLSError", false);
      assert.match(error.message, /TLS certificate was refused \(UnknownIssuer\)/);
      assert.ok(!error.message.includes("not-to-be-shown"), error.message);
      await assertNothingLeft(dir);
      for (
        const ca of [
          "not a certificate",
          "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        ]
      ) {
        const invalid = await importFails(
          runImport(request(dir, url, 8 * MiB, [ca])),
          "TLSError",
          false,
        );
        assert.match(invalid.message, /CA certificate/);
      }
      await runImport(request(dir, url, 8 * MiB, [tls.ca]));
      await assertImported(dir, raw, 8 * MiB);
    }, { cert: tls.cert, key: tls.key });
  }));
