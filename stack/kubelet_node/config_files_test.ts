import assert from "node:assert/strict";
import { parse } from "yaml";
import { cniConflist, containerdConfig, kubeletConfig } from "./config_files.ts";

Deno.test("containerdConfig: private paths, no cgroups, the given sandbox image", () => {
  const text = containerdConfig({
    root: "/h/root",
    state: "/h/state",
    opt: "/h/opt",
    socket: "/h/c.sock",
    cniConfDir: "/h/net.d",
    pauseImage: "localhost/denovirt-pause:1",
  });
  assert.match(text, /^version = 2\nroot = "\/h\/root"\nstate = "\/h\/state"\n/);
  assert.match(text, /\[grpc\]\n {2}address = "\/h\/c\.sock"/);
  assert.match(text, /sandbox_image = "localhost\/denovirt-pause:1"\n {2}disable_cgroup = true/);
  assert.match(text, /\.cni\]\n {2}bin_dir = "\/usr\/lib\/cni"\n {2}conf_dir = "\/h\/net\.d"/);
});

Deno.test("kubeletConfig: runs without cgroups, never collects imported images, serves the stack's certificate", () => {
  const config = parse(kubeletConfig({
    address: "10.250.0.254",
    caFile: "/h/ca.crt",
    certFile: "/h/serving.crt",
    keyFile: "/h/serving.key",
    containerdSocket: "/h/c.sock",
  }));
  assert.equal(config.tlsCertFile, "/h/serving.crt");
  assert.equal(config.tlsPrivateKeyFile, "/h/serving.key");
  assert.equal(config.kind, "KubeletConfiguration");
  assert.equal(config.address, "10.250.0.254");
  assert.equal(config.containerRuntimeEndpoint, "unix:///h/c.sock");
  assert.equal(config.cgroupsPerQOS, false);
  assert.equal(config.failCgroupV1, false);
  assert.deepEqual(config.enforceNodeAllocatable, []);
  assert.equal(config.imageGCHighThresholdPercent, 100);
  assert.equal(config.authentication.anonymous.enabled, false);
  assert.equal(config.authentication.x509.clientCAFile, "/h/ca.crt");
});

Deno.test("cniConflist: the stack's bridge network on the node's pod CIDR", () => {
  const conflist = JSON.parse(cniConflist("10.244.3.0/24", "/h/ipam"));
  const bridge = conflist.plugins[0];
  assert.equal(bridge.type, "bridge");
  assert.deepEqual(bridge.ipam.ranges, [[{ subnet: "10.244.3.0/24" }]]);
  assert.equal(bridge.ipam.dataDir, "/h/ipam");
});
