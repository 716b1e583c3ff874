import assert from "node:assert/strict";
import { join } from "node:path";
import { MarkerTail, watchMarkers } from "./serial_marker.ts";

Deno.test("MarkerTail.poll() finds a marker written in pieces, reading only new bytes", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "serial.log");
    const tail = new MarkerTail(path, "GUEST-READY");
    assert.equal(await tail.poll(), false); // No file yet.
    await Deno.writeTextFile(path, "booting...\nGUEST-RE");
    assert.equal(await tail.poll(), false);
    await Deno.writeTextFile(path, "ADY\n", { append: true });
    assert.equal(await tail.poll(), true);
    assert.equal(tail.found, true);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("watchMarkers() notes the first time each log shows its marker", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const tails = new Map([
      ["a", new MarkerTail(join(dir, "a.log"), "READY")],
      ["b", new MarkerTail(join(dir, "b.log"), "READY")],
    ]);
    await Deno.writeTextFile(join(dir, "a.log"), "READY\n");
    const seen = new Map<string, number>();
    const stop = new AbortController();
    const watching = watchMarkers(tails, seen, stop.signal, 5);
    await new Promise((r) => setTimeout(r, 30));
    assert.deepEqual([...seen.keys()], ["a"]);
    stop.abort();
    await watching;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("MarkerTail.poll() notices a kernel panic, after which no marker comes", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "serial.log");
    const tail = new MarkerTail(path, "GUEST-READY");
    await Deno.writeTextFile(path, "[0.08] ---[ end Kernel panic - not syncing: IO-APIC + timer\n");
    assert.equal(await tail.poll(), false);
    assert.equal(tail.panicked, true);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
