import assert from "node:assert/strict";
import { jsonLines } from "./json_lines.ts";

function streamOf(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}

Deno.test("jsonLines() parses objects split across chunks and skips blank lines", async () => {
  const seen: unknown[] = [];
  for await (const value of jsonLines(streamOf(['{"a":', '1}\n\n{"b"', ":2}\n", '{"c":3}']))) {
    seen.push(value);
  }
  assert.deepEqual(seen, [{ a: 1 }, { b: 2 }, { c: 3 }]);
});

Deno.test("jsonLines() yields a line before the stream ends", async () => {
  let push!: (s: string) => void;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      push = (s) => controller.enqueue(new TextEncoder().encode(s));
    },
  });
  const lines = jsonLines(stream);
  push('{"type":"ADDED"}\n');
  assert.deepEqual((await lines.next()).value, { type: "ADDED" });
  await lines.return(undefined);
});

Deno.test("jsonLines() keeps multi-byte characters split across chunks intact", async () => {
  const bytes = new TextEncoder().encode('{"s":"é"}\n');
  const cut = bytes.indexOf(0xc3) + 1;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(bytes.slice(0, cut));
      controller.enqueue(bytes.slice(cut));
      controller.close();
    },
  });
  const seen: unknown[] = [];
  for await (const value of jsonLines(stream)) seen.push(value);
  assert.deepEqual(seen, [{ s: "é" }]);
});
