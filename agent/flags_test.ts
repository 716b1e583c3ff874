import assert from "node:assert/strict";
import { parseAgentFlags } from "./flags.ts";

const required = [
  "--port=10250",
  "--tls-cert=/pki/c.crt",
  "--tls-key=/pki/c.key",
  "--libvirt-uri=qemu:///system",
  "--data-dir=/var/lib/denovirt/",
  "--node-name=edge-1",
];

Deno.test("parseAgentFlags() fills in defaults under the data dir", () => {
  const config = parseAgentFlags(required);
  assert.equal(config.dataDir, "/var/lib/denovirt");
  assert.equal(config.runDir, "/var/lib/denovirt/run");
  assert.deepEqual(config.allowedHostDiskDirs, ["/var/lib/denovirt/hostdisks"]);
  assert.equal(config.registerNode, false);
  assert.equal(config.resyncSeconds, 30);
  assert.equal(config.fenceSeconds, 20);
  assert.equal(config.kvm, "auto");
  assert.equal(config.bindAddress, "127.0.0.1");
  assert.equal(config.localStorageCapacityBytes, undefined);
});

Deno.test("parseAgentFlags() reads the local storage capacity as a quantity", () => {
  assert.equal(
    parseAgentFlags([...required, "--local-storage-capacity=10Gi"]).localStorageCapacityBytes,
    10n * 1024n ** 3n,
  );
  assert.equal(
    parseAgentFlags([...required, "--local-storage-capacity=5G"]).localStorageCapacityBytes,
    5_000_000_000n,
  );
  for (const bad of ["lots", "0", "-1Gi", ""]) {
    assert.throws(
      () => parseAgentFlags([...required, `--local-storage-capacity=${bad}`]),
      /--local-storage-capacity must be a positive quantity/,
    );
  }
});

Deno.test("parseAgentFlags() takes repeated hostDisk dirs and taints", () => {
  const config = parseAgentFlags([
    ...required,
    "--register-node",
    "--allowed-hostdisk-dir=/a",
    "--allowed-hostdisk-dir=/b",
    "--register-with-taints=x=y:NoSchedule,z:NoExecute",
    "--kvm=false",
  ]);
  assert.deepEqual(config.allowedHostDiskDirs, ["/a", "/b"]);
  assert.equal(config.registerWithTaints.length, 2);
  assert.equal(config.kvm, false);
});

Deno.test("parseAgentFlags() names the flag that is missing or wrong", () => {
  assert.throws(() => parseAgentFlags(required.slice(1)), /--port is required/);
  assert.throws(() => parseAgentFlags([...required, "--port=0"]), /--port must be an integer/);
  assert.throws(
    () => parseAgentFlags([...required, "--data-dir=rel"]),
    /--data-dir must be an absolute path/,
  );
  assert.throws(() => parseAgentFlags([...required, "--node-name=Bad_Name"]), /DNS subdomain/);
  assert.throws(() => parseAgentFlags([...required, "--bogus"]), /bogus/);
  // Shorter than a renew interval and a half would fence a healthy node between renewals.
  assert.throws(
    () => parseAgentFlags([...required, "--fence-seconds=10"]),
    /--fence-seconds must be an integer from 15/,
  );
  assert.equal(parseAgentFlags([...required, "--fence-seconds=25"]).fenceSeconds, 25);
});

Deno.test("parseAgentFlags() reads the CNI directories, template and cleanup mode", () => {
  const defaults = parseAgentFlags(required);
  assert.equal(defaults.cniConfDir, "/etc/cni/net.d");
  assert.deepEqual(defaults.cniBinDirs, ["/opt/cni/bin", "/usr/lib/cni"]);
  assert.equal(defaults.cniConfTemplate, undefined);
  assert.equal(defaults.cleanup, false);
  const given = parseAgentFlags([
    ...required,
    "--cni-conf-dir=/s/cni/net.d",
    "--cni-bin-dir=/a:/b",
    "--cni-conf-template=/s/cni/template.conflist",
    "--cleanup",
  ]);
  assert.equal(given.cniConfDir, "/s/cni/net.d");
  assert.deepEqual(given.cniBinDirs, ["/a", "/b"]);
  assert.equal(given.cniConfTemplate, "/s/cni/template.conflist");
  assert.equal(given.cleanup, true);
  assert.throws(() => parseAgentFlags([...required, "--cni-bin-dir=lib/cni"]), /--cni-bin-dir/);
  assert.equal(defaults.podNetwork, "cni");
  assert.equal(parseAgentFlags([...required, "--pod-network=none"]).podNetwork, "none");
  assert.throws(() => parseAgentFlags([...required, "--pod-network=x"]), /--pod-network/);
});
