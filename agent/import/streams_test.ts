import assert from "node:assert/strict";
import { peek } from "./streams.ts";

const streamOf = (...chunks: number[][]) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(new Uint8Array(chunk));
      controller.close();
    },
  });

const all = async (
  stream: ReadableStream<Uint8Array>,
) => [...new Uint8Array(await new Response(stream).arrayBuffer())];

Deno.test("peek() gathers the head across small chunks and replays every byte", async () => {
  const { head, stream } = await peek(streamOf([1], [], [2, 3], [4, 5, 6, 7], [8]), 4);
  assert.deepEqual([...head], [1, 2, 3, 4]);
  assert.deepEqual(await all(stream), [1, 2, 3, 4, 5, 6, 7, 8]);
});

Deno.test("peek() hands back a short head for a short or empty stream", async () => {
  const short = await peek(streamOf([9, 8]), 6);
  assert.deepEqual([...short.head], [9, 8]);
  assert.deepEqual(await all(short.stream), [9, 8]);
  const empty = await peek(streamOf(), 6);
  assert.equal(empty.head.length, 0);
  assert.deepEqual(await all(empty.stream), []);
});
