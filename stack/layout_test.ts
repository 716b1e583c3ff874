import assert from "node:assert/strict";
import { layoutFromEnv } from "./layout.ts";

Deno.test("layoutFromEnv: all-in-one unless separate is asked for; anything else is an error", () => {
  assert.equal(layoutFromEnv(undefined), "all-in-one");
  assert.equal(layoutFromEnv(""), "all-in-one");
  assert.equal(layoutFromEnv("all-in-one"), "all-in-one");
  assert.equal(layoutFromEnv("separate"), "separate");
  assert.throws(
    () => layoutFromEnv("together"),
    /DENOVIRT_LAYOUT must be one of all-in-one, separate, got "together"/,
  );
});
