import assert from "node:assert/strict";
import { OwnWrites } from "./own_writes.ts";

Deno.test("OwnWrites.behind() holds a key while its cache shows the version the write was made over", () => {
  const writes = new OwnWrites();
  writes.note("ns/a", "10", "12");
  assert.equal(writes.behind("ns/a", "10"), true);
  assert.equal(writes.behind("ns/a", "10"), true);
  assert.equal(writes.behind("ns/b", "10"), false, "other keys are not held");
});

Deno.test("OwnWrites.behind() lets a key go once its cache shows another version, or none", () => {
  for (const cached of ["12", "11", "13", undefined]) {
    const writes = new OwnWrites();
    writes.note("ns/a", "10", "12");
    assert.equal(writes.behind("ns/a", cached), false, `cached ${cached}`);
    assert.equal(writes.size, 0, "the wait is over for good");
    assert.equal(writes.behind("ns/a", "10"), false);
  }
});

Deno.test("OwnWrites.note() ignores writes that changed nothing or had nothing to start from", () => {
  const writes = new OwnWrites();
  writes.note("ns/a", "10", "10");
  writes.note("ns/b", undefined, "12");
  writes.note("ns/c", "10", undefined);
  assert.equal(writes.size, 0);
  assert.equal(writes.behind("ns/a", "10"), false);
});

Deno.test("OwnWrites.behind() holds a key through every version of a pass that wrote twice", () => {
  const writes = new OwnWrites();
  writes.note("ns/a", "10", "12");
  writes.note("ns/a", "12", "13");
  assert.equal(writes.behind("ns/a", "10"), true);
  assert.equal(writes.behind("ns/a", "12"), true, "the first write is still behind the second");
  assert.equal(writes.behind("ns/a", "13"), false);
});
