import assert from "node:assert/strict";
import { objectsOf } from "./apply.ts";

Deno.test("objectsOf() fills placeholders and splits documents", () => {
  const text = "kind: A\nmetadata: {name: a}\ndata: ${X}\n---\n---\nkind: B\nmetadata: {name: b}\n";
  const objects = objectsOf(text, { X: "filled" }, "test.yaml");
  assert.deepEqual(objects.map((o) => o.kind), ["A", "B"]);
  assert.equal((objects[0] as unknown as { data: string }).data, "filled");
});

Deno.test("objectsOf() names the file and the placeholder it cannot fill", () => {
  assert.throws(
    () => objectsOf("data: ${MISSING}", {}, "x.yaml"),
    /x\.yaml: no value for \$\{MISSING\}/,
  );
});
