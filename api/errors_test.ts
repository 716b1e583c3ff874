import assert from "node:assert/strict";
import { z } from "zod";
import { dropNulls, fieldPath, issueMessages, validate } from "./errors.ts";

Deno.test("fieldPath() writes array indexes and odd map keys in brackets", () => {
  assert.equal(
    fieldPath(["spec", "template", "spec", "volumes", 2, "name"]),
    "spec.template.spec.volumes[2].name",
  );
  assert.equal(
    fieldPath(["metadata", "labels", "kubevirt.io/domain"]),
    "metadata.labels[kubevirt.io/domain]",
  );
  assert.equal(fieldPath([0, "a"]), "[0].a");
  assert.equal(fieldPath([]), "");
});

const schema = z.strictObject({
  name: z.string(),
  size: z.int32().min(1).optional(),
  mode: z.enum(["a", "b"]).optional(),
  tags: z.array(z.string()).max(2).optional(),
});

Deno.test("validate() names every problem with its path and joins them in the message", () => {
  const result = validate(schema, { size: 0, mode: "c", extra: 1, other: 2, tags: ["ok", 1] }, [
    "spec",
  ]);
  assert.equal(result.ok, false);
  if (result.ok) return;
  assert.deepEqual(result.errors.toSorted(), [
    "spec.extra: unknown field",
    'spec.mode: Unsupported value: "c": supported values: "a", "b"',
    "spec.name: Required value",
    "spec.other: unknown field",
    "spec.size: must be at least 1",
    "spec.tags[1]: must be a string",
  ]);
  assert.equal(result.message, result.errors.join("; "));
});

Deno.test("validate() reports wrong types and array limits in plain words", () => {
  const result = validate(schema, { name: 5, size: 1.5, tags: ["a", "b", "c"] });
  assert.equal(result.ok, false);
  if (result.ok) return;
  assert.deepEqual(result.errors.toSorted(), [
    "name: must be a string",
    "size: must be an integer",
    "tags: must have at most 2 items",
  ]);
});

Deno.test("validate() treats null fields as unset, like Go", () => {
  const result = validate(schema, { name: "x", size: null, mode: null });
  assert.deepEqual(result, { ok: true, value: { name: "x" } });
});

Deno.test("dropNulls() removes null fields at any depth but keeps array items", () => {
  assert.deepEqual(dropNulls({ a: null, b: { c: null, d: 1 }, e: [null, { f: null }] }), {
    b: { d: 1 },
    e: [null, {}],
  });
});

Deno.test("issueMessages() labels problems of the whole object as <root>", () => {
  const result = z.string().safeParse(1);
  assert.deepEqual(issueMessages(result.error!.issues), ["<root>: must be a string"]);
});
