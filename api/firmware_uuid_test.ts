import assert from "node:assert/strict";
import { legacyFirmwareUuid, uuidV5 } from "./firmware_uuid.ts";

Deno.test("uuidV5() matches RFC 4122's DNS example", () => {
  // Python: uuid.uuid5(uuid.NAMESPACE_DNS, "python.org")
  assert.equal(
    uuidV5("6ba7b810-9dad-11d1-80b4-00c04fd430c8", "python.org"),
    "886313e1-3b8a-5372-9b90-0c9aee199e5d",
  );
});

Deno.test("legacyFirmwareUuid() gives the UUID KubeVirt's CalculateLegacyUUID gives", () => {
  // Python: uuid.uuid5(uuid.UUID("6a1a24a1-4061-4607-8bf4-a3963d0c5895"), "testvmi")
  assert.equal(legacyFirmwareUuid("testvmi"), "f8918e71-270a-598e-a2a4-1afac39e1394");
  assert.equal(legacyFirmwareUuid("testvmi"), legacyFirmwareUuid("testvmi"));
  assert.notEqual(legacyFirmwareUuid("a"), legacyFirmwareUuid("b"));
});

Deno.test("uuidV5() refuses a namespace that is not a UUID", () => {
  assert.throws(() => uuidV5("not-a-uuid", "x"), /Invalid UUID/);
});
