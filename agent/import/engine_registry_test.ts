import assert from "node:assert/strict";
import { join } from "node:path";
import { runChecked } from "../../lib/exec.ts";
import { gzipped, plain } from "../oci/test_image.ts";
import { type FakeRegistry, withRegistry } from "../oci/test_registry.ts";
import { testTls } from "../oci/test_support.ts";
import { runImport } from "./engine.ts";
import {
  assertImported,
  assertNothingLeft,
  gzipOf,
  importFails,
  MiB,
  patternedImage,
  qcow2Of,
  withTempDir,
} from "./test_fixtures.ts";
import type { ImportProgress, ImportRequest, ImportSource } from "./types.ts";

type Registry = Extract<ImportSource, { kind: "registry" }>;

const diskLayer = (file: string, data: Uint8Array) =>
  gzipped([{ name: "disk/", type: "dir" }, { name: `disk/${file}`, data }]);

function request(
  dir: string,
  source: Partial<Registry> & { url: string },
  onProgress?: (p: ImportProgress) => void,
  capacityBytes = 8 * MiB,
): ImportRequest {
  return {
    source: { kind: "registry", caCerts: [], insecureRegistries: [], ...source },
    targetDir: dir,
    capacityBytes,
    signal: new AbortController().signal,
    ...(onProgress ? { onProgress } : {}),
  };
}

/** A plain-HTTP fake registry holding `disks/img:v1` with these layers, listed as insecure. */
function withImage(
  layers: { bytes: Uint8Array; mediaType: string }[],
  fn: (registry: FakeRegistry, url: string, insecure: string[]) => Promise<void>,
) {
  return withRegistry(async (registry, name) => {
    registry.addImage("disks/img", "v1", layers);
    await fn(registry, `docker://${name}/disks/img:v1`, [name]);
  });
}

Deno.test("runImport() pulls a raw containerDisk from a registry, with progress, padded to the capacity", () =>
  withTempDir(async (dir) => {
    const raw = patternedImage();
    const layer = diskLayer("disk.img", raw);
    await withImage([layer], async (_registry, url, insecure) => {
      const calls: ImportProgress[] = [];
      const result = await runImport(
        request(dir, { url, insecureRegistries: insecure }, (p) => calls.push(p)),
      );
      assert.deepEqual(result, {
        format: "raw",
        compression: "none",
        transferredBytes: layer.bytes.length,
        virtualSizeBytes: raw.length,
      });
      assert.deepEqual(calls.at(-1), { bytes: layer.bytes.length, totalBytes: layer.bytes.length });
      await assertImported(dir, raw, 8 * MiB);
    });
  }));

Deno.test("runImport() converts a qcow2 containerDisk and refuses one with a backing file", () =>
  withTempDir(async (dir) => {
    const raw = patternedImage();
    const backed = join(dir, "backed.qcow2");
    await runChecked("qemu-img", [
      "create",
      ...["-q", "-f", "qcow2", "-F", "raw", "-b", "/etc/hostname", backed, "4M"],
    ]);
    const target = join(dir, "volume");
    await withRegistry(async (registry, name) => {
      registry.addImage("disks/q", "v1", [diskLayer("d.qcow2", await qcow2Of(raw, dir))]);
      registry.addImage("disks/b", "v1", [
        plain([{ name: "disk/b.qcow2", data: await Deno.readFile(backed) }]),
      ]);
      const source = (repo: string) => ({
        url: `docker://${name}/${repo}:v1`,
        insecureRegistries: [name],
      });
      const result = await runImport(request(target, source("disks/q")));
      assert.equal(result.format, "qcow2");
      assert.equal(result.virtualSizeBytes, raw.length);
      await assertImported(target, raw, 8 * MiB);
      const error = await importFails(
        runImport(request(target, source("disks/b"))),
        "UnsafeImage",
        false,
      );
      assert.match(
        error.message,
        new RegExp(`^Cannot import docker://${name}/disks/b:v1: .*backing file`),
      );
      await assertNothingLeft(target);
    });
  }));

Deno.test("runImport() refuses registry disks that are compressed or larger than the capacity", () =>
  withTempDir(async (dir) => {
    const raw = patternedImage();
    await withRegistry(async (registry, name) => {
      registry.addImage("disks/gz", "v1", [diskLayer("d.img.gz", await gzipOf(raw))]);
      registry.addImage("disks/big", "v1", [diskLayer("d.img", raw)]);
      const source = (repo: string) => ({
        url: `docker://${name}/${repo}:v1`,
        insecureRegistries: [name],
      });
      const gz = await importFails(
        runImport(request(dir, source("disks/gz"))),
        "UnsupportedFormat",
        false,
      );
      assert.match(gz.message, /the disk \/disk\/d\.img\.gz of the image is gzip-compressed/);
      const big = await importFails(
        runImport(request(dir, source("disks/big"), undefined, 3 * MiB)),
        "ImageTooLarge",
        false,
      );
      assert.match(big.message, /has 4194304 bytes, more than the volume's capacity of 3145728/);
      await assertNothingLeft(dir);
    });
  }));

Deno.test("runImport() sorts registry failures: unknown images and refused credentials terminal, 503 retryable", () =>
  withTempDir(async (dir) => {
    await withImage([diskLayer("disk.img", patternedImage())], async (registry, url, insecure) => {
      const missing = url.replace("disks/img:v1", "disks/none:v1");
      const notFound = await importFails(
        runImport(request(dir, { url: missing, insecureRegistries: insecure })),
        "ImageNotFound",
        false,
      );
      assert.match(notFound.message, /disks\/none:v1: .* answered HTTP 404 \(MANIFEST_UNKNOWN/);

      registry.auth = { scheme: "basic", username: "importer", password: "right-pass" };
      const credentials = { username: "importer", password: "wrong-pass" };
      const refused = await importFails(
        runImport(request(dir, { url, insecureRegistries: insecure, credentials })),
        "Unauthorized",
        false,
      );
      assert.match(refused.message, /HTTP 401.*credentials were refused/);
      assert.ok(!refused.message.includes("wrong-pass"));
      credentials.password = "right-pass";
      await runImport(request(dir, { url, insecureRegistries: insecure, credentials }));

      registry.intercept = () => new Response("busy", { status: 503 });
      await importFails(
        runImport(request(dir, { url, insecureRegistries: insecure, credentials })),
        "RegistryUnavailable",
        true,
      );
      await assertNothingLeft(dir);
    });
  }));

Deno.test("runImport() reaches a plain-HTTP registry only when it is listed, naming the setting", () =>
  withTempDir(async (dir) => {
    const raw = patternedImage();
    await withImage([diskLayer("disk.img", raw)], async (_registry, url, insecure) => {
      const error = await importFails(runImport(request(dir, { url })), "InsecureRegistry", true);
      assert.match(error.message, /insecureRegistries in ConfigMap denovirt\/denovirt-config/);
      await assertNothingLeft(dir);
      await runImport(
        request(dir, { url, insecureRegistries: insecure.map((h) => h.toUpperCase()) }),
      );
      await assertImported(dir, raw, 8 * MiB);
    });
  }));

Deno.test("runImport() trusts a registry's certificate through the given CAs", () =>
  withTempDir(async (dir) => {
    const tls = await testTls();
    const raw = patternedImage();
    await withRegistry(async (registry, name) => {
      registry.addImage("disks/img", "v1", [diskLayer("disk.img", raw)]);
      const url = `docker://${name}/disks/img:v1`;
      await importFails(runImport(request(dir, { url })), "InsecureRegistry", true);
      await runImport(request(dir, { url, caCerts: [tls.ca] }));
      await assertImported(dir, raw, 8 * MiB);
    }, { tls });
  }));

Deno.test("runImport() refuses registry URLs that are not docker:// image references", () =>
  withTempDir(async (dir) => {
    const cases = ["oci-archive:///tmp/a.tar", "https://quay.io/x", "docker://quay.io/UPPER"];
    for (const url of cases) {
      const error = await importFails(runImport(request(dir, { url })), "InvalidURL", false);
      assert.match(error.message, /^Cannot import /, url);
    }
    await assert.rejects(Deno.lstat(join(dir, ".import")), Deno.errors.NotFound);
  }));
