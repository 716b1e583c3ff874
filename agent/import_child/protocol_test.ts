import assert from "node:assert/strict";
import { ImportError } from "../import/types.ts";
import { errorLineOf, errorOfLine, linesOf } from "./protocol.ts";

Deno.test("errorOfLine(errorLineOf()) keeps an ImportError's reason and retryability", () => {
  const error = errorOfLine(errorLineOf(new ImportError("Cannot import: gone", false, "NotFound")));
  assert.ok(error instanceof ImportError);
  assert.equal(error.message, "Cannot import: gone");
  assert.equal(error.retryable, false);
  assert.equal(error.reason, "NotFound");
});

Deno.test("errorOfLine(errorLineOf()) makes any other error a plain Error with its message", () => {
  const error = errorOfLine(errorLineOf(new TypeError("bad")));
  assert.ok(!(error instanceof ImportError));
  assert.equal(error.message, "bad");
});

Deno.test("linesOf() splits chunks at line ends, across chunks, and keeps a last partial line", async () => {
  const bytes = new TextEncoder().encode('{"a":1}\n{"b"');
  const stream = ReadableStream.from([bytes, new TextEncoder().encode(":2}\n\ntail")]);
  const lines: string[] = [];
  for await (const line of linesOf(stream)) lines.push(line);
  assert.deepEqual(lines, ['{"a":1}', '{"b":2}', "", "tail"]);
});
