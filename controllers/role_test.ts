import assert from "node:assert/strict";
import { parseControllersFlags } from "./role.ts";

Deno.test("parseControllersFlags() defaults: leader election on the denovirt-controllers Lease, all controllers", () => {
  const flags = parseControllersFlags([]);
  assert.notEqual(flags, "help");
  if (flags === "help") return;
  assert.equal(flags.leaderElect, true);
  assert.equal(flags.leaseNamespace, "denovirt");
  assert.equal(flags.leaseName, "denovirt-controllers");
  assert.equal(flags.leaseDurationSeconds, 15);
  assert.deepEqual(flags.only, [
    "vm",
    "vmi",
    "replicaset",
    "pool",
    "datavolume",
    "local-placement",
    "migration",
    "evacuation",
    "node-loss",
    "policy-status",
  ]);
  assert.equal(flags.launcherImage, "registry.k8s.io/pause:3.10");
  assert.match(flags.identity, new RegExp(`_${Deno.pid}$`));
  assert.equal(flags.healthPort, undefined);
});

Deno.test("parseControllersFlags() takes --only, --leader-elect=false, --health-port and the image", () => {
  const flags = parseControllersFlags([
    "--only=vmi",
    "--leader-elect=false",
    "--health-port=8081",
    "--launcher-image=example.org/holder:1",
    "--identity=a",
  ]);
  assert.deepEqual(
    flags === "help"
      ? flags
      : [flags.only, flags.leaderElect, flags.healthPort, flags.launcherImage, flags.identity],
    [
      ["vmi"],
      false,
      8081,
      "example.org/holder:1",
      "a",
    ],
  );
  const dataVolumes = parseControllersFlags(["--only=datavolume"]);
  assert.deepEqual(dataVolumes !== "help" && dataVolumes.only, ["datavolume"]);
  const bare = parseControllersFlags(["--leader-elect"]);
  assert.equal(bare !== "help" && bare.leaderElect, true);
});

Deno.test("parseControllersFlags() refuses unknown controllers and bad numbers, naming the flag", () => {
  assert.throws(() => parseControllersFlags(["--only=vm,replicasets"]), /--only takes vm, vmi/);
  assert.throws(
    () => parseControllersFlags(["--health-port=http"]),
    /--health-port must be an integer/,
  );
  assert.throws(
    () => parseControllersFlags(["--leader-elect=maybe"]),
    /--leader-elect must be true or false/,
  );
  assert.throws(() => parseControllersFlags(["--bogus"]), /bogus/);
});
