// Validation errors as Kubernetes-style messages that name the field path:
//   spec.template.spec.domain.devices.disks[1].name: Required value
//   spec.template.spec.domain.devices.disks[0].floppy: unknown field
import type { z } from "zod";

type Issue = z.core.$ZodIssue;

/** The outcome of validating an object against one of the API schemas. */
export type ValidationResult<T> =
  | { ok: true; value: T }
  | { ok: false; errors: string[]; message: string };

/**
 * Validates `value` with `schema`; errors name field paths, prefixed with `basePath`. Object
 * fields set to null count as absent first, as they do for KubeVirt's Go types.
 */
export function validate<S extends z.ZodType>(
  schema: S,
  value: unknown,
  basePath: readonly PropertyKey[] = [],
): ValidationResult<z.infer<S>> {
  const result = schema.safeParse(dropNulls(value), { reportInput: true });
  if (result.success) return { ok: true, value: result.data };
  const errors = issueMessages(result.error.issues, basePath);
  return { ok: false, errors, message: errors.join("; ") };
}

/**
 * A copy of `value` without object fields whose value is null. Go decodes `disk: null` (as in
 * KubeVirt's own examples, `- disk:` with nothing after it) to an unset field, so we do too.
 */
export function dropNulls<T>(value: T): T {
  if (Array.isArray(value)) return value.map(dropNulls) as T;
  if (typeof value !== "object" || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    if (field !== null) out[key] = dropNulls(field);
  }
  return out as T;
}

/** Turns zod issues into `<path>: <message>` lines, one per problem. */
export function issueMessages(
  issues: readonly Issue[],
  basePath: readonly PropertyKey[] = [],
): string[] {
  const out: string[] = [];
  for (const issue of issues) {
    const path = [...basePath, ...issue.path];
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) out.push(`${fieldPath([...path, key])}: unknown field`);
    } else {
      out.push(`${fieldPath(path) || "<root>"}: ${describeIssue(issue)}`);
    }
  }
  return [...new Set(out)];
}

/** Formats a path the way Kubernetes does: `a.b[0].c`, map keys that are not names in brackets. */
export function fieldPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else if (typeof segment === "symbol") out += `[${String(segment)}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(segment)) out += out ? `.${segment}` : segment;
    else out += `[${segment}]`;
  }
  return out;
}

function describeIssue(issue: Issue): string {
  switch (issue.code) {
    case "invalid_type":
      // zod's own message says what it received, even when the caller did not ask for input.
      return /received undefined$/.test(issue.message)
        ? "Required value"
        : `must be ${article(issue.expected)}`;
    case "invalid_value":
      return issue.values.length === 1
        ? `Invalid value: ${show(issue.input)}: must be ${show(issue.values[0])}`
        : `Unsupported value: ${show(issue.input)}: supported values: ${
          issue.values.map(show).join(", ")
        }`;
    case "too_small":
      return bound(issue.origin, "at least", issue.minimum, issue.inclusive);
    case "too_big":
      return bound(issue.origin, "at most", issue.maximum, issue.inclusive);
    case "invalid_union":
      return "Invalid value";
    default:
      return issue.message;
  }
}

function bound(
  origin: string,
  direction: "at least" | "at most",
  limit: number | bigint,
  inclusive = true,
): string {
  const strict = direction === "at least" ? "greater than" : "less than";
  switch (origin) {
    case "string":
      return limit === 1 && direction === "at least"
        ? "must not be empty"
        : `must be ${direction} ${limit} characters long`;
    case "array":
      return `must have ${direction} ${limit} items`;
    default:
      return inclusive ? `must be ${direction} ${limit}` : `must be ${strict} ${limit}`;
  }
}

function article(expected: string): string {
  const noun = expected === "int" ? "integer" : expected;
  return /^[aeiou]/.test(noun) ? `an ${noun}` : `a ${noun}`;
}

function show(value: unknown): string {
  return typeof value === "bigint" ? `${value}` : JSON.stringify(value) ?? String(value);
}
