import assert from "node:assert/strict";
import { firmwareUuidFor, uuidV5 } from "./firmware_uuid.ts";

Deno.test("uuidV5() matches RFC 4122's DNS example", () => {
  // Python: uuid.uuid5(uuid.NAMESPACE_DNS, "python.org")
  assert.equal(
    uuidV5("6ba7b810-9dad-11d1-80b4-00c04fd430c8", "python.org"),
    "886313e1-3b8a-5372-9b90-0c9aee199e5d",
  );
});

Deno.test("firmwareUuidFor() is KubeVirt's name-based UUID of namespace/name, one per VM", () => {
  // Python: uuid.uuid5(uuid.UUID("6a1a24a1-4061-4607-8bf4-a3963d0c5895"), "ns/testvmi")
  assert.equal(firmwareUuidFor("ns", "testvmi"), "c91c818a-d06e-534a-9d3f-18de3c5e21ab");
  assert.equal(firmwareUuidFor("ns", "testvmi"), firmwareUuidFor("ns", "testvmi"));
  assert.notEqual(firmwareUuidFor("a", "web"), firmwareUuidFor("b", "web"));
});

Deno.test("uuidV5() refuses a namespace that is not a UUID", () => {
  assert.throws(() => uuidV5("not-a-uuid", "x"), /Invalid UUID/);
});
