import assert from "node:assert/strict";
import { parseBenchOptions } from "./options.ts";

Deno.test("parseBenchOptions() gives quick and full defaults", () => {
  const quick = parseBenchOptions(["--quick"]);
  assert.deepEqual(
    [quick.name, quick.n, quick.webhookSeconds, quick.scaleVms, quick.webhookRate],
    ["quick", 5, 5, 100, 200],
  );
  const full = parseBenchOptions([]);
  assert.deepEqual([full.name, full.n, full.webhookSeconds, full.scaleVms], [
    "full",
    100,
    30,
    1000,
  ]);
  assert.deepEqual(full.parts, ["start", "idle", "webhook", "scale"]);
  assert.equal(full.bootTimeoutS, 120 + 10 * 100);
});

Deno.test("parseBenchOptions() idles with 20 VMs for 60 s, quick with its N VMs for 20 s", () => {
  const full = parseBenchOptions([]);
  assert.deepEqual([full.idleVms, full.idleSeconds], [20, 60]);
  const quick = parseBenchOptions(["--quick", "--n=4"]);
  assert.deepEqual([quick.idleVms, quick.idleSeconds], [4, 20]);
  const set = parseBenchOptions(["--idle-vms=7", "--idle-seconds=5", "--parts=idle"]);
  assert.deepEqual([set.idleVms, set.idleSeconds, set.parts], [7, 5, ["idle"]]);
});

Deno.test("parseBenchOptions() takes overrides and keeps the parts in run order", () => {
  const o = parseBenchOptions([
    "--quick",
    "--n=3",
    "--name=x",
    "--out=/tmp/r",
    "--parts=scale,start",
  ]);
  assert.deepEqual([o.n, o.name, o.out, o.parts], [3, "x", "/tmp/r", ["start", "scale"]]);
});

Deno.test("parseBenchOptions() names the flag it refuses", () => {
  assert.throws(() => parseBenchOptions(["--n=0"]), /--n must be a number of at least 1/);
  assert.throws(() => parseBenchOptions(["--parts=boot"]), /--parts: unknown part "boot"/);
  assert.throws(() => parseBenchOptions(["--bogus"]), /bogus/);
});
