import assert from "node:assert/strict";
import { parseLayout } from "./layout.ts";

Deno.test("parseLayout: all-in-one unless separate is asked for; anything else is an error", () => {
  assert.equal(parseLayout(undefined), "all-in-one");
  assert.equal(parseLayout(""), "all-in-one");
  assert.equal(parseLayout("all-in-one"), "all-in-one");
  assert.equal(parseLayout("separate"), "separate");
  assert.throws(
    () => parseLayout("together"),
    /DENOVIRT_LAYOUT must be one of all-in-one, separate, got "together"/,
  );
});
