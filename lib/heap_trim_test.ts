import assert from "node:assert/strict";
import { openMallocTrim } from "./heap_trim.ts";

Deno.test("openMallocTrim() finds glibc's malloc_trim on Linux with FFI allowed", async () => {
  const trim = openMallocTrim();
  if (Deno.build.os !== "linux") return assert.equal(trim, undefined);
  assert.ok(trim, "malloc_trim from libc.so.6");
  // Allocate and free through the runtime, then give the pages back: it must not throw.
  for (let i = 0; i < 100; i++) new TextEncoder().encode("x".repeat(100_000));
  await trim();
});
