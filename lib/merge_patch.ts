/** JSON merge patches (RFC 7386) of the fields a writer owns, and nothing else. */
import { isDeepStrictEqual } from "node:util";

/**
 * The merge patch that turns `before` into `after` for the top-level `fields` only: removed
 * values become null, objects are patched key by key (a merge patch merges them), anything else
 * is set whole. Undefined when none of `fields` changed.
 */
export function mergePatchOf(
  before: Record<string, unknown> | undefined,
  after: Record<string, unknown>,
  fields: readonly string[],
): Record<string, unknown> | undefined {
  const patch: Record<string, unknown> = {};
  for (const field of fields) {
    const change = changeOf(before?.[field], after[field]);
    if (change !== UNCHANGED) patch[field] = change;
  }
  return Object.keys(patch).length > 0 ? patch : undefined;
}

const UNCHANGED = Symbol("unchanged");

function changeOf(old: unknown, next: unknown): unknown {
  if (isDeepStrictEqual(old, next)) return UNCHANGED;
  if (next === undefined) return old === undefined ? UNCHANGED : null;
  if (!isPlainObject(old) || !isPlainObject(next)) return next;
  const patch: Record<string, unknown> = {};
  for (const key of new Set([...Object.keys(old), ...Object.keys(next)])) {
    const change = changeOf(old[key], next[key]);
    if (change !== UNCHANGED) patch[key] = change;
  }
  return patch;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
