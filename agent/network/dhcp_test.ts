import assert from "node:assert/strict";
import { dnsmasqArgs, nameServersOf } from "./dhcp.ts";

Deno.test("dnsmasqArgs() serves one address forever on one interface, DHCP only", () => {
  const args = dnsmasqArgs({
    interface: "k6t-eth0",
    address: "10.0.2.2",
    netmask: "255.255.255.0",
    router: "10.0.2.1",
    dns: ["192.0.2.53", "192.0.2.54"],
  }, "/d");
  assert.ok(args.includes("--port=0"));
  assert.ok(args.includes("--interface=k6t-eth0"));
  assert.ok(args.includes("--dhcp-range=10.0.2.2,10.0.2.2,255.255.255.0,infinite"));
  assert.ok(args.includes("--dhcp-option=option:router,10.0.2.1"));
  assert.ok(args.includes("--dhcp-option=option:dns-server,192.0.2.53,192.0.2.54"));
  assert.ok(args.includes("--pid-file=/d/dnsmasq.pid"));
  assert.ok(!args.some((a) => a.startsWith("--shared-network") || a === "--dhcp-broadcast"));
});

Deno.test("dnsmasqArgs() shares the pod's network for a bridge binding and omits empty DNS", () => {
  const args = dnsmasqArgs({
    interface: "k6t-br",
    address: "10.244.0.9",
    netmask: "255.255.255.0",
    router: "10.244.0.1",
    dns: [],
    sharedNetwork: true,
  }, "/d");
  assert.ok(args.includes("--shared-network=k6t-br,10.244.0.9"));
  assert.ok(args.includes("--dhcp-broadcast"));
  assert.ok(!args.some((a) => a.includes("dns-server")));
});

Deno.test("nameServersOf() reads IPv4 name servers but loopback ones", () => {
  const conf = "# x\nnameserver 10.255.255.53\nnameserver 127.0.0.53\nsearch a\nnameserver ::1\n";
  assert.deepEqual(nameServersOf(conf), ["10.255.255.53"]);
});
