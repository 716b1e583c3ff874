import assert from "node:assert/strict";
import { join } from "node:path";
import { runImport } from "./engine.ts";
import {
  assertImported,
  assertNothingLeft,
  importFails,
  MiB,
  patternedImage,
  withTempDir,
} from "./test_fixtures.ts";
import type { ImportProgress, ImportRequest, ImportSource } from "./types.ts";

const request = (
  source: ImportSource,
  targetDir: string,
  capacityBytes = 8 * MiB,
  onProgress?: (p: ImportProgress) => void,
): ImportRequest => ({
  source,
  targetDir,
  capacityBytes,
  signal: new AbortController().signal,
  ...(onProgress ? { onProgress } : {}),
});

Deno.test("runImport() makes a blank source a sparse, zeroed disk.img of the capacity", () =>
  withTempDir(async (dir) => {
    const target = join(dir, "new-volume");
    await Deno.mkdir(target);
    await Deno.writeTextFile(join(target, "disk.img"), "old contents");
    const result = await runImport(request({ kind: "blank" }, target, 8 * MiB + 512));
    assert.deepEqual(result, {
      format: "raw",
      compression: "none",
      transferredBytes: 0,
      virtualSizeBytes: 0,
    });
    await assertImported(target, new Uint8Array(), 8 * MiB + 512);
  }));

Deno.test("runImport() clones a raw image sparse, padded to the capacity", () =>
  withTempDir(async (dir) => {
    const raw = patternedImage();
    const source = join(dir, "source.img");
    await Deno.writeFile(source, raw);
    const calls: ImportProgress[] = [];
    const target = join(dir, "clone");
    const result = await runImport(
      request({ kind: "clone", sourcePath: source }, target, 8 * MiB, (p) => calls.push(p)),
    );
    assert.deepEqual(result, {
      format: "raw",
      compression: "none",
      transferredBytes: raw.length,
      virtualSizeBytes: raw.length,
    });
    assert.deepEqual(calls, [{ bytes: raw.length, totalBytes: raw.length }]);
    await assertImported(target, raw, 8 * MiB);
    assert.deepEqual(await Deno.readFile(source), raw, "the source changed");
  }));

Deno.test("runImport() refuses clones that are too large, missing or onto themselves", () =>
  withTempDir(async (dir) => {
    const source = join(dir, "source.img");
    await Deno.writeFile(source, patternedImage());
    const target = join(dir, "clone");
    await importFails(
      runImport(request({ kind: "clone", sourcePath: source }, target, 2 * MiB)),
      "ImageTooLarge",
      false,
    );
    await assertNothingLeft(target);
    await importFails(
      runImport(request({ kind: "clone", sourcePath: join(dir, "absent.img") }, target)),
      "SourceNotFound",
      true,
    );
    await Deno.rename(source, join(dir, "disk.img"));
    await importFails(
      runImport(request({ kind: "clone", sourcePath: join(dir, "disk.img") }, dir)),
      "InvalidSource",
      false,
    );
    assert.ok((await Deno.stat(join(dir, "disk.img"))).isFile, "the source was removed");
  }));

Deno.test("runImport() refuses a capacity that is not a positive whole number of bytes", () =>
  withTempDir(async (dir) => {
    for (const capacity of [0, -1, 1.5, Number.NaN]) {
      await importFails(
        runImport(request({ kind: "blank" }, dir, capacity)),
        "InvalidCapacity",
        false,
      );
    }
  }));

Deno.test("runImport() rejects with the signal's reason when aborted before it starts", () =>
  withTempDir(async (dir) => {
    const abort = new AbortController();
    abort.abort(new Error("shutting down"));
    await assert.rejects(
      runImport({ ...request({ kind: "blank" }, dir), signal: abort.signal }),
      /shutting down/,
    );
    await assert.rejects(Deno.lstat(join(dir, "disk.img")), Deno.errors.NotFound);
  }));
