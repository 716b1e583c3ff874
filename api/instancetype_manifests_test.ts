import assert from "node:assert/strict";
import { parseAllDocuments } from "yaml";
import { kindInfo } from "./kinds.ts";
import {
  UNSUPPORTED_INSTANCETYPE_SPEC_FIELDS,
  UNSUPPORTED_PREFERENCE_SPEC_FIELDS,
} from "./unsupported_instancetype.ts";
import { unsupportedFields } from "./refusals.ts";

const DIR = new URL("../manifests/instancetypes/", import.meta.url);

/** Every object of the shipped instance type and preference manifests. */
function shipped(): { kind: string; metadata: { name: string }; spec: unknown }[] {
  const objects = [];
  for (const entry of Deno.readDirSync(DIR)) {
    const text = Deno.readTextFileSync(new URL(entry.name, DIR));
    for (const doc of parseAllDocuments(text)) objects.push(doc.toJS());
  }
  return objects.filter(Boolean);
}

Deno.test("the shipped instance types and preferences are valid and ask nothing denovirt refuses", () => {
  const objects = shipped();
  for (const object of objects) {
    const parsed = kindInfo(object.kind)!.schema.safeParse(object);
    assert.ok(parsed.success, `${object.metadata.name}: ${parsed.error}`);
    const rules = object.kind.endsWith("Instancetype")
      ? UNSUPPORTED_INSTANCETYPE_SPEC_FIELDS
      : UNSUPPORTED_PREFERENCE_SPEC_FIELDS;
    assert.deepEqual(unsupportedFields(object.spec, rules), [], object.metadata.name);
  }
  const names = objects.map((o) => o.metadata.name);
  for (const name of ["u1.small", "u1.2xmedium", "o1.medium", "fedora"]) {
    assert.ok(names.includes(name), name);
  }
  const small = objects.find((o) => o.metadata.name === "u1.small")!;
  assert.deepEqual(small.spec, { cpu: { guest: 1 }, memory: { guest: "2Gi" } });
});
