import assert from "node:assert/strict";
import { sortKeys, structuralProblems, toStructural } from "./structural.ts";

Deno.test("toStructural() drops additionalProperties: false and preserves unknown fields", () => {
  const out = toStructural({
    type: "object",
    properties: {
      a: { type: "string" },
      empty: { type: "object", properties: {}, additionalProperties: false },
    },
    additionalProperties: false,
    required: ["a"],
  });
  assert.deepEqual(out, {
    properties: {
      a: { type: "string" },
      empty: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
    },
    required: ["a"],
    type: "object",
    "x-kubernetes-preserve-unknown-fields": true,
  });
});

Deno.test("toStructural() keeps typed maps and makes untyped values preserved", () => {
  assert.deepEqual(
    toStructural({ type: "object", additionalProperties: { type: "string" } }),
    { additionalProperties: { type: "string" }, type: "object" },
  );
  assert.deepEqual(toStructural({ type: "object", additionalProperties: {} }), {
    type: "object",
    "x-kubernetes-preserve-unknown-fields": true,
  });
  assert.deepEqual(toStructural({}), { "x-kubernetes-preserve-unknown-fields": true });
});

Deno.test("toStructural() turns a quantity into int-or-string", () => {
  const out = toStructural({
    anyOf: [{ type: "string" }, { type: "number" }],
    "x-kubernetes-int-or-string": true,
    description: "size",
  });
  assert.deepEqual(out.anyOf, [{ type: "integer" }, { type: "string" }]);
  assert.equal(out["x-kubernetes-int-or-string"], true);
  assert.equal(out.description, "size");
  assert.equal(typeof out.pattern, "string");
});

Deno.test("toStructural() writes integer widths as formats", () => {
  assert.deepEqual(toStructural({ type: "integer", minimum: -2147483648, maximum: 2147483647 }), {
    format: "int32",
    type: "integer",
  });
  assert.deepEqual(toStructural({ type: "integer", minimum: 0, maximum: 4294967295 }), {
    format: "int64",
    minimum: 0,
    type: "integer",
  });
  assert.deepEqual(toStructural({ type: "integer", minimum: 1, maximum: 65535 }), {
    maximum: 65535,
    minimum: 1,
    type: "integer",
  });
});

Deno.test("toStructural() refuses what a structural schema cannot hold", () => {
  assert.throws(() => toStructural({ $ref: "#/$defs/x" }), /\$ref/);
  assert.throws(
    () =>
      toStructural({
        type: "object",
        properties: { u: { anyOf: [{ type: "string" }, { type: "boolean" }] } },
      }),
    /schema\.u: anyOf/,
  );
});

Deno.test("structuralProblems() finds missing types and forbidden keywords", () => {
  assert.deepEqual(
    structuralProblems({ type: "object", properties: { a: {}, b: { type: "string" } } }),
    [
      "schema.a: type is missing",
    ],
  );
  assert.deepEqual(
    structuralProblems({
      type: "object",
      additionalProperties: false,
      properties: { c: { type: "array", items: { oneOf: [] } } },
    }),
    [
      "schema: additionalProperties: false is not allowed",
      "schema: properties and additionalProperties are mutually exclusive",
      "schema.c[]: type is missing",
      "schema.c[]: oneOf is not allowed",
    ],
  );
});

Deno.test("sortKeys() orders object keys recursively and leaves arrays in order", () => {
  assert.equal(
    JSON.stringify(sortKeys({ b: 1, a: [{ d: 1, c: 2 }] })),
    '{"a":[{"c":2,"d":1}],"b":1}',
  );
});
