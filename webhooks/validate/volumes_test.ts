import assert from "node:assert/strict";
import { DEFAULT_CONFIG } from "../review.ts";
import { checkCloudInit, checkHostDiskPath } from "./volumes.ts";

const allow = (...dirs: string[]) => ({ ...DEFAULT_CONFIG, allowedHostDiskDirs: dirs });

Deno.test("checkCloudInit() allows 2048 bytes of user data and refuses 2049, counting UTF-8 bytes", () => {
  assert.deepEqual(checkCloudInit({ userData: "x".repeat(2048) }, ["v"]), []);
  const [over] = checkCloudInit({ userData: "é".repeat(1025) }, ["v"]);
  assert.equal(over?.field, "v.userData");
  assert.match(
    over!.message,
    /user data is 2050 bytes, over the limit of 2048 bytes: put it in a Secret and use secretRef/,
  );
});

Deno.test("checkCloudInit() measures base64 data decoded and refuses what does not decode", () => {
  assert.deepEqual(checkCloudInit({ userDataBase64: btoa("x".repeat(2048)) }, ["v"]), []);
  assert.match(
    checkCloudInit({ userDataBase64: btoa("x".repeat(2049)) }, ["v"])[0]!.message,
    /2049 bytes/,
  );
  assert.equal(
    checkCloudInit({ networkDataBase64: "a=b" }, ["v"])[0]?.field,
    "v.networkDataBase64",
  );
});

Deno.test("checkCloudInit() wants one source of each kind at most and at least one in all", () => {
  assert.match(
    checkCloudInit({ userData: "a", secretRef: { name: "s" } }, ["v"])[0]!.message,
    /only one of userData, userDataBase64 and secretRef/,
  );
  assert.match(checkCloudInit({}, ["v"])[0]!.message, /must set user data or network data/);
  assert.deepEqual(checkCloudInit({ networkData: "version: 2" }, ["v"]), []);
});

Deno.test("checkHostDiskPath() allows files inside an allowed directory only", () => {
  assert.deepEqual(checkHostDiskPath("/data/vms/a.img", "p", allow("/data/vms/")), []);
  assert.deepEqual(checkHostDiskPath("/data/vms/sub/a.img", "p", allow("/data/vms")), []);
  assert.match(
    checkHostDiskPath("/data/vmsX/a.img", "p", allow("/data/vms"))[0]!.message,
    /not inside a directory allowed/,
  );
  assert.match(
    checkHostDiskPath("/data/vms", "p", allow("/data/vms"))[0]!.message,
    /not inside a directory allowed/,
  );
  assert.match(
    checkHostDiskPath("/data/vms/../etc/x", "p", allow("/data/vms"))[0]!.message,
    /"\.\." segments/,
  );
  assert.match(
    checkHostDiskPath("data/vms/a.img", "p", allow("/data/vms"))[0]!.message,
    /absolute path/,
  );
  assert.match(
    checkHostDiskPath("/data/vms/./a.img", "p", allow("/data/vms"))[0]!.message,
    /absolute path/,
  );
  assert.match(
    checkHostDiskPath("/data/vms//a.img", "p", allow("/data/vms"))[0]!.message,
    /absolute path/,
  );
  assert.match(
    checkHostDiskPath("/data/vms/a.img", "p", DEFAULT_CONFIG)[0]!.message,
    /--allowed-hostdisk-dir/,
  );
});
