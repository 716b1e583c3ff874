import assert from "node:assert/strict";
import { migrateCall } from "./migrate_call.ts";

const base = {
  destinationUri: "qemu+tcp://10.250.0.2:16509/system",
  migrationUri: "tcp://10.250.0.2",
  destinationXml: "<domain/>",
};

Deno.test("migrateCall: memory only is LIVE|PEER2PEER|PERSIST_DEST|UNDEFINE_SOURCE, no disks", () => {
  const { params, flags } = migrateCall(base);
  assert.equal(flags, 27);
  assert.deepEqual(params.map((p) => p.name), ["migrate_uri", "destination_xml"]);
});

Deno.test("migrateCall: listed disks are copied incrementally, bandwidth passed when set", () => {
  const { params, flags } = migrateCall({
    ...base,
    bandwidthMiB: 64,
    copyDisks: ["vda", "vdb"],
  });
  assert.equal(flags, 27 | 128);
  assert.deepEqual(params.slice(2), [
    { name: "bandwidth", type: "ullong", value: 64 },
    { name: "migrate_disks", type: "string", value: "vda" },
    { name: "migrate_disks", type: "string", value: "vdb" },
  ]);
});
