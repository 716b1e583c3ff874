// RFC 6902 JSON Patch: the diff that turns a mutator's edits into a patch, and an apply used to
// check patches in tests. Values are JSON (what JSON.parse returns), never functions or Dates.

export type JsonPatchOperation =
  | { op: "add"; path: string; value: unknown }
  | { op: "replace"; path: string; value: unknown }
  | { op: "remove"; path: string };

/** One JSON Pointer reference token, escaped as RFC 6901 says: `~` -> `~0`, `/` -> `~1`. */
export function escapePointerToken(token: string | number): string {
  return String(token).replaceAll("~", "~0").replaceAll("/", "~1");
}

/** The reference tokens of a JSON Pointer, unescaped. */
export function parsePointer(pointer: string): string[] {
  if (pointer === "") return [];
  if (!pointer.startsWith("/")) throw new Error(`Invalid JSON pointer ${JSON.stringify(pointer)}`);
  return pointer.slice(1).split("/").map((t) => t.replaceAll("~1", "/").replaceAll("~0", "~"));
}

/** The operations that turn `before` into `after`; empty when they are equal. */
export function diff(before: unknown, after: unknown): JsonPatchOperation[] {
  const ops: JsonPatchOperation[] = [];
  diffInto(ops, "", before, after);
  return ops;
}

function diffInto(ops: JsonPatchOperation[], path: string, before: unknown, after: unknown) {
  if (deepEqual(before, after)) return;
  if (isPlainObject(before) && isPlainObject(after)) {
    for (const key of Object.keys(before)) {
      if (!Object.hasOwn(after, key)) {
        ops.push({ op: "remove", path: `${path}/${escapePointerToken(key)}` });
      }
    }
    for (const [key, value] of Object.entries(after)) {
      const child = `${path}/${escapePointerToken(key)}`;
      if (Object.hasOwn(before, key)) diffInto(ops, child, before[key], value);
      else ops.push({ op: "add", path: child, value: structuredClone(value) });
    }
    return;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    // Element-wise when the old elements are still where they were (edits and appends, which
    // is what defaulting does); anything else is one replace, never a fragile chain of moves.
    const common = Math.min(before.length, after.length);
    if (after.length >= before.length) {
      for (let i = 0; i < common; i++) diffInto(ops, `${path}/${i}`, before[i], after[i]);
      for (let i = common; i < after.length; i++) {
        ops.push({ op: "add", path: `${path}/-`, value: structuredClone(after[i]) });
      }
      return;
    }
  }
  ops.push({ op: "replace", path, value: structuredClone(after) });
}

/** `doc` with `ops` applied (a copy; `doc` is not changed); throws when an op does not apply. */
export function applyPatch(doc: unknown, ops: readonly JsonPatchOperation[]): unknown {
  let root = structuredClone(doc);
  for (const op of ops) {
    const tokens = parsePointer(op.path);
    if (tokens.length === 0) {
      if (op.op === "remove") throw new Error("Cannot remove the document root");
      root = structuredClone(op.value);
      continue;
    }
    const parent = resolve(root, tokens.slice(0, -1), op.path);
    const last = tokens[tokens.length - 1]!;
    if (Array.isArray(parent)) {
      const index = last === "-" && op.op === "add" ? parent.length : arrayIndex(last, op.path);
      const limit = op.op === "add" ? parent.length : parent.length - 1;
      if (index > limit) throw new Error(`Index out of range in ${op.path}`);
      if (op.op === "add") parent.splice(index, 0, structuredClone(op.value));
      else if (op.op === "replace") parent[index] = structuredClone(op.value);
      else parent.splice(index, 1);
    } else if (isPlainObject(parent)) {
      if (op.op !== "add" && !Object.hasOwn(parent, last)) {
        throw new Error(`No member to ${op.op} at ${op.path}`);
      }
      if (op.op === "remove") delete parent[last];
      else {
        // defineProperty, so that a member named __proto__ stays a member.
        Object.defineProperty(parent, last, {
          value: structuredClone(op.value),
          writable: true,
          enumerable: true,
          configurable: true,
        });
      }
    } else {
      throw new Error(`Cannot ${op.op} ${op.path}: its parent is not a container`);
    }
  }
  return root;
}

function resolve(root: unknown, tokens: string[], path: string): unknown {
  let node = root;
  for (const token of tokens) {
    if (Array.isArray(node)) node = node[arrayIndex(token, path)];
    else if (isPlainObject(node) && Object.hasOwn(node, token)) node = node[token];
    else throw new Error(`Path ${path} does not exist`);
    if (node === undefined) throw new Error(`Path ${path} does not exist`);
  }
  return node;
}

function arrayIndex(token: string, path: string): number {
  if (!/^(0|[1-9][0-9]*)$/.test(token)) throw new Error(`Invalid array index in ${path}`);
  return Number(token);
}

/** Whether `value` is a JSON object (not an array, not null). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Structural equality of JSON values. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length &&
      keys.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}
