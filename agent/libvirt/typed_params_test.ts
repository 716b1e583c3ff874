import assert from "node:assert/strict";
import { readTypedParams, typedParams } from "./typed_params.ts";

Deno.test("typedParams() lays parameters out as readTypedParams() reads them back", () => {
  const built = typedParams([
    { name: "migrate_uri", type: "string", value: "tcp://10.0.0.2" },
    { name: "migrate_disks", type: "string", value: "vda" },
    { name: "migrate_disks", type: "string", value: "vdb" },
    { name: "bandwidth", type: "ullong", value: 64 },
  ]);
  assert.equal(built.count, 4);
  assert.equal(built.buffer.length, 4 * 96);
  const read = readTypedParams(Deno.UnsafePointer.of(built.buffer)!, 2);
  assert.deepEqual(read, { migrate_uri: "tcp://10.0.0.2", migrate_disks: "vda" });
  const last = readTypedParams(Deno.UnsafePointer.of(built.buffer.subarray(3 * 96))!, 1);
  assert.deepEqual(last, { bandwidth: 64 });
});
