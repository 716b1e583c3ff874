import assert from "node:assert/strict";
import { openMallocTrim, rssKiBOf, startHeapTrim, trimDue } from "./heap_trim.ts";

Deno.test("trimDue() trims once the RSS grew by the threshold since the last trim", () => {
  const cases: Array<[rss: number, after: number, growth: number, due: boolean]> = [
    [100_000, 100_000, 8192, false],
    [108_191, 100_000, 8192, false],
    [108_192, 100_000, 8192, true],
    [90_000, 100_000, 8192, false],
  ];
  for (const [rss, after, growth, due] of cases) {
    assert.equal(trimDue(rss, after, growth), due, `${rss} after ${after}`);
  }
});

Deno.test("rssKiBOf() reads the resident pages of /proc/self/statm as KiB", () => {
  assert.equal(rssKiBOf("56931 12345 4567 12 0 20000 0\n"), 12345 * 4);
  assert.ok(Number.isNaN(rssKiBOf("")));
});

Deno.test("openMallocTrim() finds glibc's malloc_trim on Linux with FFI allowed", async () => {
  const trim = openMallocTrim();
  if (Deno.build.os !== "linux") return assert.equal(trim, undefined);
  assert.ok(trim, "malloc_trim from libc.so.6");
  // Allocate and free through the runtime, then give the pages back: it must not throw.
  for (let i = 0; i < 100; i++) new TextEncoder().encode("x".repeat(100_000));
  await trim();
});

Deno.test("startHeapTrim() runs one trimmer per process", () => {
  const stop = startHeapTrim({ everyMs: 60_000, growthKiB: 1024 });
  try {
    assert.equal(startHeapTrim(), stop);
  } finally {
    stop();
  }
});
