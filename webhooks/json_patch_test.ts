import assert from "node:assert/strict";
import { applyPatch, diff, escapePointerToken, parsePointer } from "./json_patch.ts";

Deno.test("escapePointerToken() escapes ~ before / as RFC 6901 says", () => {
  assert.equal(escapePointerToken("kubevirt.io/domain"), "kubevirt.io~1domain");
  assert.equal(escapePointerToken("a~b/c"), "a~0b~1c");
  assert.equal(escapePointerToken("~1"), "~01");
  assert.deepEqual(parsePointer("/metadata/labels/a~0b~1c/~01"), [
    "metadata",
    "labels",
    "a~b/c",
    "~1",
  ]);
});

Deno.test("diff() of equal values is empty", () => {
  assert.deepEqual(diff({ a: [1, { b: null }] }, { a: [1, { b: null }] }), []);
});

Deno.test("diff() adds, replaces and removes members with escaped paths", () => {
  const before = { spec: { running: true, template: { labels: { "a/b": "1" } } } };
  const after = {
    spec: { runStrategy: "Always", template: { labels: { "a/b": "2", "c~d": "3" } } },
  };
  const ops = diff(before, after);
  assert.deepEqual(ops, [
    { op: "remove", path: "/spec/running" },
    { op: "add", path: "/spec/runStrategy", value: "Always" },
    { op: "replace", path: "/spec/template/labels/a~1b", value: "2" },
    { op: "add", path: "/spec/template/labels/c~0d", value: "3" },
  ]);
  assert.deepEqual(applyPatch(before, ops), after);
});

Deno.test("diff() appends to arrays and edits elements in place", () => {
  const before = { disks: [{ name: "a" }, { name: "b", disk: {} }] };
  const after = {
    disks: [{ name: "a", disk: { bus: "sata" } }, { name: "b", disk: { bus: "sata" } }, {
      name: "c",
    }],
  };
  const ops = diff(before, after);
  assert.deepEqual(ops, [
    { op: "add", path: "/disks/0/disk", value: { bus: "sata" } },
    { op: "add", path: "/disks/1/disk/bus", value: "sata" },
    { op: "add", path: "/disks/-", value: { name: "c" } },
  ]);
  assert.deepEqual(applyPatch(before, ops), after);
});

Deno.test("diff() replaces a shortened array and a value whose type changed", () => {
  const before = { a: [1, 2, 3], b: { x: 1 }, c: null };
  const after = { a: [1], b: [1], c: { y: 2 } };
  const ops = diff(before, after);
  assert.deepEqual(ops, [
    { op: "replace", path: "/a", value: [1] },
    { op: "replace", path: "/b", value: [1] },
    { op: "replace", path: "/c", value: { y: 2 } },
  ]);
  assert.deepEqual(applyPatch(before, ops), after);
});

Deno.test("diff() replaces the root when the types differ", () => {
  assert.deepEqual(diff(1, { a: 1 }), [{ op: "replace", path: "", value: { a: 1 } }]);
  assert.deepEqual(applyPatch(1, diff(1, { a: 1 })), { a: 1 });
});

Deno.test("applyPatch() refuses operations that do not apply", () => {
  assert.throws(() => applyPatch({ a: 1 }, [{ op: "remove", path: "/b" }]), /No member/);
  assert.throws(
    () => applyPatch({ a: [] }, [{ op: "replace", path: "/a/0", value: 1 }]),
    /out of range/,
  );
  assert.throws(
    () => applyPatch({ a: 1 }, [{ op: "add", path: "/x/y", value: 1 }]),
    /does not exist/,
  );
  assert.throws(
    () => applyPatch({ a: [] }, [{ op: "add", path: "/a/01", value: 1 }]),
    /Invalid array index/,
  );
});

Deno.test("applyPatch() keeps a member named __proto__ a plain member", () => {
  const doc = JSON.parse('{"a":{}}');
  const out = applyPatch(doc, [{ op: "add", path: "/a/__proto__", value: { polluted: true } }]) as {
    a: Record<string, unknown>;
  };
  assert.deepEqual(Object.keys(out.a), ["__proto__"]);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

Deno.test("diff() then applyPatch() round-trips random documents", () => {
  let seed = 42;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const value = (depth: number): unknown => {
    const r = rand();
    if (depth > 3 || r < 0.3) {
      return r < 0.1 ? null : r < 0.2 ? Math.floor(rand() * 5) : "s" + Math.floor(rand() * 3);
    }
    if (r < 0.65) return Array.from({ length: Math.floor(rand() * 4) }, () => value(depth + 1));
    const out: Record<string, unknown> = {};
    for (let i = 0; i < Math.floor(rand() * 4); i++) {
      out[["a", "b/c", "d~e", ""][Math.floor(rand() * 4)]!] = value(depth + 1);
    }
    return out;
  };
  for (let i = 0; i < 2000; i++) {
    const a = value(0);
    const b = value(0);
    assert.deepEqual(applyPatch(a, diff(a, b)), b, `seed state ${seed}`);
  }
});
