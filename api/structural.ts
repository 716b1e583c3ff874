// Turns zod's OpenAPI 3.0 output into a structural schema that a CRD may carry, and checks
// the rules of apiextensions.k8s.io/v1 structural schemas.
//
// Why every object node preserves unknown fields: kube-apiserver prunes unknown fields when
// it decodes a request, before admission webhooks run, so a pruning schema would make an
// unknown field vanish silently. With pruning off, our validating webhook sees the field and
// refuses it by name (adr/0003-crd-schemas-and-unknown-fields.md).
import { QUANTITY_PATTERN } from "./quantity.ts";

export type JsonSchema = { [key: string]: unknown };

const INT_OR_STRING = "x-kubernetes-int-or-string";
const PRESERVE = "x-kubernetes-preserve-unknown-fields";
const INT32 = [-2147483648, 2147483647];
const INT64 = [-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER];
const UINT32 = [0, 4294967295];

/** Rewrites a zod-generated schema node (and its children) into structural form. */
export function toStructural(node: JsonSchema, path = "schema"): JsonSchema {
  if ("$ref" in node || "$defs" in node || "definitions" in node) {
    throw new Error(`${path}: $ref and definitions are not allowed; inline the schema`);
  }
  if (node[INT_OR_STRING] === true) {
    return pick(node, ["description"], {
      [INT_OR_STRING]: true,
      anyOf: [{ type: "integer" }, { type: "string" }],
      pattern: QUANTITY_PATTERN,
    });
  }
  for (const key of ["anyOf", "oneOf", "allOf", "not"]) {
    if (key in node) throw new Error(`${path}: ${key} cannot be made structural`);
  }
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === "$schema" || key === "additionalProperties" || key === "properties") continue;
    out[key] = value;
  }
  if (node.type === undefined) {
    // z.unknown(): any JSON value, kept as it is.
    return { ...out, [PRESERVE]: true };
  }
  if (node.type === "integer") integerFormat(out);
  if (node.type === "array") {
    out.items = toStructural(node.items as JsonSchema, `${path}[]`);
  }
  if (node.type === "object") {
    const properties = node.properties as Record<string, JsonSchema> | undefined;
    const additional = node.additionalProperties;
    const isMap = typeof additional === "object" && additional !== null &&
      Object.keys(additional).length > 0;
    if (isMap && properties && Object.keys(properties).length > 0) {
      throw new Error(`${path}: an object cannot have both properties and typed values`);
    }
    if (isMap) {
      out.additionalProperties = toStructural(additional as JsonSchema, `${path}.*`);
    } else {
      if (properties && Object.keys(properties).length > 0) {
        out.properties = Object.fromEntries(
          Object.entries(properties).map(([k, v]) => [k, toStructural(v, `${path}.${k}`)]),
        );
      }
      out[PRESERVE] = true;
    }
  }
  return sortKeys(out);
}

/** Lists the structural-schema rules a CRD schema breaks (empty when it is structural). */
export function structuralProblems(node: unknown, path = "schema"): string[] {
  if (typeof node !== "object" || node === null) return [`${path}: not a schema object`];
  const n = node as JsonSchema;
  const problems: string[] = [];
  const special = n[INT_OR_STRING] === true || n[PRESERVE] === true;
  if (n.type === undefined && !special) problems.push(`${path}: type is missing`);
  for (const key of ["$ref", "definitions", "$defs", "oneOf", "allOf", "not"]) {
    if (key in n) problems.push(`${path}: ${key} is not allowed`);
  }
  if ("anyOf" in n && n[INT_OR_STRING] !== true) problems.push(`${path}: anyOf is not allowed`);
  if (n.additionalProperties === false) {
    problems.push(`${path}: additionalProperties: false is not allowed`);
  }
  if (n.properties && n.additionalProperties !== undefined) {
    problems.push(`${path}: properties and additionalProperties are mutually exclusive`);
  }
  for (const [k, v] of Object.entries((n.properties ?? {}) as Record<string, unknown>)) {
    problems.push(...structuralProblems(v, `${path}.${k}`));
  }
  if (typeof n.additionalProperties === "object") {
    problems.push(...structuralProblems(n.additionalProperties, `${path}.*`));
  }
  if (n.items !== undefined) problems.push(...structuralProblems(n.items, `${path}[]`));
  return problems;
}

/** Sorts object keys recursively so generated YAML is stable and easy to diff. */
export function sortKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map(sortKeys) as T;
  if (typeof value !== "object" || value === null) return value;
  const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries.map(([k, v]) => [k, sortKeys(v)])) as T;
}

function integerFormat(node: JsonSchema) {
  // zod writes Go's integer widths as bounds; CRDs say it with `format`.
  const max = node.maximum;
  if (max === INT32[1]) node.format = "int32";
  else if (max === UINT32[1] || max === INT64[1]) node.format = "int64";
  else return;
  delete node.maximum;
  if (node.minimum === INT32[0] || node.minimum === INT64[0]) delete node.minimum;
}

function pick(node: JsonSchema, keys: string[], extra: JsonSchema): JsonSchema {
  const out: JsonSchema = { ...extra };
  for (const key of keys) if (node[key] !== undefined) out[key] = node[key];
  return sortKeys(out);
}
