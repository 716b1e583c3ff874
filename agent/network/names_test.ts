import assert from "node:assert/strict";
import { netnsNameOf, vmLinksOf } from "./names.ts";

Deno.test("vmLinksOf() gives short, distinct, stable names per pod", () => {
  const a = vmLinksOf("6f1c2a50-0000-4000-8000-000000000001");
  const b = vmLinksOf("6f1c2a50-0000-4000-8000-000000000002");
  assert.deepEqual(a, vmLinksOf("6f1c2a50-0000-4000-8000-000000000001"));
  for (const name of [...Object.values(a), ...Object.values(b)]) assert.ok(name.length <= 15);
  assert.notEqual(a.bridge, b.bridge);
  assert.match(a.bridge, /^dvb[0-9a-f]{10}$/);
  assert.equal(a.bridge.slice(3), a.rootVeth.slice(3));
});

Deno.test("netnsNameOf() names the namespace after the pod uid", () => {
  assert.equal(netnsNameOf("abc"), "dv-abc");
});
