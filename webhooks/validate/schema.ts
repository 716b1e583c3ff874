// The schema check every validator starts with: zod's verdict as causes, plus a typed value for
// the semantic checks whenever the only schema problems are unknown fields, so that an unknown
// field and, say, a disk without a volume are reported together.
import type { z } from "zod";
import { dropNulls, issueMessages } from "../../api/mod.ts";
import { isPlainObject } from "../json_patch.ts";
import { type Cause, cause, type CauseType } from "../review.ts";

export interface SchemaCheck<T> {
  causes: Cause[];
  /** The typed object (unknown fields left out), unless the schema found other problems. */
  value?: T;
}

/** Checks `raw` against `schema`; causes name fields from `basePath`. */
export function checkSchema<S extends z.ZodType>(
  schema: S,
  raw: unknown,
  basePath: readonly PropertyKey[] = [],
): SchemaCheck<z.infer<S>> {
  const input = dropNulls(raw);
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) return { causes: [], value: result.data };
  const issues = result.error.issues;
  const causes = issueMessages(issues, basePath).map(causeFromLine);
  if (!issues.every((issue) => issue.code === "unrecognized_keys")) return { causes };
  const stripped = structuredClone(input);
  for (const issue of issues) {
    if (issue.code !== "unrecognized_keys") continue;
    const holder = at(stripped, issue.path);
    if (isPlainObject(holder)) { for (const key of issue.keys) delete holder[key]; }
  }
  const again = schema.safeParse(stripped);
  return again.success ? { causes, value: again.data } : { causes };
}

/** A Cause from a `<path>: <message>` line of `issueMessages()`. */
export function causeFromLine(line: string): Cause {
  const split = pathEnd(line);
  const field = split < 0 ? "" : line.slice(0, split);
  const message = split < 0 ? line : line.slice(split + 2);
  return cause(field === "<root>" ? "" : field, message, causeTypeOf(message));
}

function causeTypeOf(message: string): CauseType {
  if (message === "Required value") return "FieldValueRequired";
  if (message.startsWith("Unsupported value")) return "FieldValueNotSupported";
  return "FieldValueInvalid";
}

// The ": " after the path; map keys in brackets may themselves contain ": ".
function pathEnd(line: string): number {
  let brackets = 0;
  for (let i = 0; i < line.length - 1; i++) {
    const ch = line[i];
    if (ch === "[") brackets++;
    else if (ch === "]") brackets = Math.max(0, brackets - 1);
    else if (ch === ":" && line[i + 1] === " " && brackets === 0) return i;
  }
  return -1;
}

function at(root: unknown, path: readonly PropertyKey[]): unknown {
  let node = root;
  for (const key of path) {
    if (Array.isArray(node) && typeof key === "number") node = node[key];
    else if (isPlainObject(node) && typeof key === "string") node = node[key];
    else return undefined;
  }
  return node;
}
