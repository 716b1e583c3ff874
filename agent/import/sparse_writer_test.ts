import assert from "node:assert/strict";
import { join } from "node:path";
import { writeSparse } from "./sparse_writer.ts";
import { MiB, withTempDir } from "./test_fixtures.ts";
import { ImportError } from "./types.ts";

/** `total` bytes in chunks of `chunk`: zeros except a marker at `dataAt`. */
function streamWithData(total: number, chunk: number, dataAt: number) {
  let at = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= total) return controller.close();
      const part = new Uint8Array(Math.min(chunk, total - at));
      if (dataAt >= at && dataAt < at + part.length) part[dataAt - at] = 0xab;
      at += part.length;
      controller.enqueue(part);
    },
  });
}

const options = (limit: number) => ({
  limit,
  tooLarge: () => new ImportError("too large", false, "ImageTooLarge"),
  signal: new AbortController().signal,
  where: "test",
});

Deno.test("writeSparse() writes data, leaves zeros as holes and keeps the length", () =>
  withTempDir(async (dir) => {
    const path = join(dir, "out");
    const total = 8 * MiB + 123;
    const bytes = await writeSparse(
      streamWithData(total, 50_000, 5 * MiB + 17),
      path,
      options(total),
    );
    assert.equal(bytes, total);
    const info = await Deno.stat(path);
    assert.equal(info.size, total);
    assert.ok((info.blocks ?? 0) * 512 <= 256 * 1024, `${info.blocks} blocks for one byte`);
    const data = await Deno.readFile(path);
    assert.equal(data[5 * MiB + 17], 0xab);
    assert.equal(data.reduce((sum, b) => sum + b, 0), 0xab);
  }));

Deno.test("writeSparse() fails as soon as the limit is passed, and refuses an existing file", () =>
  withTempDir(async (dir) => {
    const path = join(dir, "out");
    await assert.rejects(
      writeSparse(streamWithData(4 * MiB, 64 * 1024, 0), path, options(MiB)),
      (e) => e instanceof ImportError && e.reason === "ImageTooLarge",
    );
    await assert.rejects(
      writeSparse(streamWithData(1, 1, 0), path, options(MiB)),
      Deno.errors.AlreadyExists,
    );
  }));
