import assert from "node:assert/strict";
import { objectsOf, withoutReplaced } from "./apply.ts";

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

Deno.test("withoutReplaced() keeps only the last definition of an object, where it comes", () => {
  const object = (kind: string, name: string, namespace?: string) => ({
    apiVersion: "v1",
    kind,
    metadata: { name, ...(namespace ? { namespace } : {}) },
  });
  const items = [
    { object: object("Namespace", "denovirt"), file: "base/00.yaml" },
    { object: object("ConfigMap", "denovirt-config", "denovirt"), file: "base/30.yaml" },
    { object: object("ConfigMap", "denovirt-config", "other"), file: "base/30.yaml" },
    { object: object("Role", "r", "denovirt"), file: "base/40.yaml" },
    { object: object("ConfigMap", "denovirt-config", "denovirt"), file: "local/60.yaml" },
  ];
  assert.deepEqual(
    withoutReplaced(items).map((i) => `${i.file} ${i.object.kind}/${i.object.metadata.name}`),
    [
      "base/00.yaml Namespace/denovirt",
      "base/30.yaml ConfigMap/denovirt-config",
      "base/40.yaml Role/r",
      "local/60.yaml ConfigMap/denovirt-config",
    ],
  );
});
