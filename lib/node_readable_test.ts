import assert from "node:assert/strict";
import { once } from "node:events";
import { Readable } from "node:stream";
import { createGunzip, gzipSync } from "node:zlib";
import { webStreamOf } from "./node_readable.ts";

Deno.test("webStreamOf() passes every chunk through as a plain Uint8Array", async () => {
  const stream = webStreamOf(Readable.from([Buffer.from("ab"), "cd", new Uint8Array([101])]));
  const chunks = await Array.fromAsync(stream);
  assert.ok(chunks.every((c) => c.constructor === Uint8Array));
  assert.equal(new TextDecoder().decode(new Uint8Array(chunks.flatMap((c) => [...c]))), "abcde");
});

Deno.test("webStreamOf() can be cancelled while the Readable still holds data, without an uncaught error", async () => {
  for (const reads of [0, 1, 2, 5]) {
    const gunzip = createGunzip();
    gunzip.end(gzipSync(new Uint8Array(1 << 20)));
    const reader = webStreamOf(gunzip).getReader();
    for (let i = 0; i < reads; i++) await reader.read();
    await reader.cancel(new Error("enough"));
    // Give the Readable's pending events their turn: any of them throwing fails this test.
    if (!gunzip.closed) await once(gunzip, "close");
    assert.ok(gunzip.destroyed, `after ${reads} reads`);
  }
});

Deno.test("webStreamOf() errors the stream with the Readable's error, mapped", async () => {
  const gunzip = createGunzip();
  gunzip.end(new Uint8Array([1, 2, 3, 4]));
  await assert.rejects(
    Array.fromAsync(webStreamOf(gunzip, (error) => new Error(`mapped: ${error}`))),
    /mapped: Error: incorrect header check/,
  );
});
