import assert from "node:assert/strict";
import {
  createNetns,
  deleteNetns,
  loopbackNetwork,
  netnsExists,
  netnsPath,
  runInNetns,
  runInNetnsChecked,
} from "./netns.ts";
import { commandOnPath } from "../../lib/which.ts";

const NO_ROOT = Deno.uid() !== 0
  ? "needs root"
  : commandOnPath("ip") === undefined
  ? "needs ip (iproute2)"
  : undefined;

Deno.test("netnsPath() is the file ip netns makes, and refuses names that are no file name", () => {
  assert.equal(netnsPath("dv-6f1b2c3d"), "/run/netns/dv-6f1b2c3d");
  for (const name of ["", ".", "..", "a/b", "x".repeat(256)]) {
    assert.throws(() => netnsPath(name), /^Error: Invalid network namespace name/);
  }
});

Deno.test("loopbackNetwork() is containerd's cni-loopback network", () => {
  assert.deepEqual(loopbackNetwork(), {
    name: "cni-loopback",
    cniVersion: "0.3.1",
    plugins: [{ type: "loopback" }],
    file: "",
  });
});

Deno.test({
  name: `createNetns() and deleteNetns() are idempotent${NO_ROOT ? ` (ignored: ${NO_ROOT})` : ""}`,
  ignore: NO_ROOT !== undefined,
  async fn() {
    const name = `dvtest-ns-${crypto.randomUUID().slice(0, 8)}`;
    try {
      assert.equal(await netnsExists(name), false);
      assert.equal(await createNetns(name), `/run/netns/${name}`);
      // A second create keeps the namespace: its lo, set up in between, is still up.
      const lo = async () => (await runInNetnsChecked(name, "ip", ["-o", "link", "show", "lo"]));
      assert.match(await lo(), /state DOWN/);
      await runInNetnsChecked(name, "ip", ["link", "set", "lo", "up"]);
      assert.equal(await createNetns(name), `/run/netns/${name}`);
      assert.doesNotMatch(await lo(), /state DOWN/);
      assert.equal(await netnsExists(name), true);
      const missing = await runInNetns(name, "ip", ["link", "show", "nosuchlink0"]);
      assert.notEqual(missing.code, 0);
      assert.match(missing.stderr, /nosuchlink0/);
      await assert.rejects(
        runInNetnsChecked(name, "ip", ["link", "show", "nosuchlink0"]),
        /Command failed: ip netns exec .* link show nosuchlink0: exit 1/,
      );
      await deleteNetns(name);
      assert.equal(await netnsExists(name), false);
      await deleteNetns(name);
    } finally {
      await deleteNetns(name).catch(() => {});
    }
  },
});
