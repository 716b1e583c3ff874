import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { unpackedLayer } from "./layer.ts";

const blobOf = (bytes: Uint8Array) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(bytes);
      controller.close();
    },
  });

Deno.test("unpackedLayer() may be cancelled mid-way, as a refused tar entry does, without crashing", async () => {
  for (const reads of [0, 1, 2, 5]) {
    const reader = (await unpackedLayer(blobOf(gzipSync(new Uint8Array(1 << 20))), "layer"))
      .getReader();
    for (let i = 0; i < reads; i++) await reader.read();
    await reader.cancel(new Error("refused"));
  }
  // An uncaught error from the decompressor's late events would fail this test's module.
  const rest = await unpackedLayer(blobOf(gzipSync(new Uint8Array(1 << 20))), "layer");
  const bytes = (await Array.fromAsync(rest)).reduce((n, c) => n + c.length, 0);
  assert.equal(bytes, 1 << 20);
});
