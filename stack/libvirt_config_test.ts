import assert from "node:assert/strict";
import { libvirtdConf, libvirtTcpUri, qemuConf } from "./libvirt_config.ts";

Deno.test("libvirtdConf: unix sockets only, root only, without a TCP listener", () => {
  const conf = libvirtdConf("/h/libvirt/sock");
  assert.match(conf, /^unix_sock_dir = "\/h\/libvirt\/sock"$/m);
  assert.match(conf, /^unix_sock_rw_perms = "0700"$/m);
  assert.doesNotMatch(conf, /listen_tcp|host_uuid/);
});

Deno.test("libvirtdConf: with tcp, listens on the node address only with its own host UUID", () => {
  const uuid = "5d2f7f0e-8c1e-4a8e-9a51-1d1c0c6f2b11";
  const conf = libvirtdConf("/s", { address: "10.250.0.2", hostUuid: uuid });
  for (
    const line of [
      "listen_tls = 0",
      "listen_tcp = 1",
      'listen_addr = "10.250.0.2"',
      'tcp_port = "16509"',
      'auth_tcp = "none"',
      `host_uuid = "${uuid}"`,
    ]
  ) assert.ok(conf.split("\n").includes(line), line);
});

Deno.test("qemuConf: migrations listen on the node address when one is given", () => {
  assert.doesNotMatch(qemuConf(), /migration_address/);
  assert.match(qemuConf("10.250.0.3"), /^migration_address = "10\.250\.0\.3"$/m);
  assert.match(qemuConf(), /^security_driver = "none"$/m);
});

Deno.test("libvirtTcpUri: the qemu+tcp URI of a node's libvirtd on the migration port", () => {
  assert.equal(libvirtTcpUri("10.250.0.2"), "qemu+tcp://10.250.0.2:16509/system");
});
