import assert from "node:assert/strict";
import { FakeClock } from "./clock.ts";

Deno.test("FakeClock.advance() runs due timers in time order, with the clock at their time", () => {
  const clock = new FakeClock(1_000);
  const seen: Array<[string, number]> = [];
  clock.after(30, () => seen.push(["b", clock.now()]));
  clock.after(10, () => {
    seen.push(["a", clock.now()]);
    clock.after(5, () => seen.push(["a2", clock.now()]));
  });
  const cancel = clock.after(20, () => seen.push(["cancelled", clock.now()]));
  cancel();
  clock.advance(25);
  assert.deepEqual(seen, [["a", 1_010], ["a2", 1_015]]);
  assert.equal(clock.now(), 1_025);
  clock.advance(5);
  assert.deepEqual(seen.at(-1), ["b", 1_030]);
  assert.equal(clock.pending, 0);
});
