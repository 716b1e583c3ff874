import assert from "node:assert/strict";
import { CniResultError, isCidr, parseResult, podIPsOf } from "./result.ts";

/** The bridge plugin's result in the spec's appendix (1.0.0). */
const SPEC_BRIDGE_RESULT = {
  cniVersion: "1.0.0",
  ips: [{ address: "10.1.0.5/16", gateway: "10.1.0.1", interface: 2 }],
  routes: [{ dst: "0.0.0.0/0" }],
  interfaces: [
    { name: "cni0", mac: "00:11:22:33:44:55" },
    { name: "veth3243", mac: "55:44:33:22:11:11" },
    { name: "eth0", mac: "99:88:77:66:55:44", sandbox: "/var/run/netns/blue" },
  ],
  dns: { nameservers: ["10.1.0.1"] },
};

Deno.test("parseResult() reads the spec's bridge result", () => {
  assert.deepEqual(parseResult(SPEC_BRIDGE_RESULT), SPEC_BRIDGE_RESULT);
});

Deno.test("parseResult() reads 0.4.0 results, IPAM results and null lists", () => {
  const cases: { name: string; json: unknown; ips: number; interfaces: number }[] = [
    {
      name: "0.4.0 with ips[].version",
      json: {
        cniVersion: "0.4.0",
        interfaces: [{ name: "eth0", sandbox: "/run/netns/x" }],
        ips: [{ version: "4", address: "10.0.0.2/24", interface: 0 }],
      },
      ips: 1,
      interfaces: 1,
    },
    {
      name: "host-local's abbreviated result",
      json: { cniVersion: "1.0.0", ips: [{ address: "10.0.0.2/24", gateway: "10.0.0.1" }] },
      ips: 1,
      interfaces: 0,
    },
    {
      name: "Go's null lists",
      json: { cniVersion: "1.0.0", interfaces: null, ips: null, routes: null, dns: null },
      ips: 0,
      interfaces: 0,
    },
  ];
  for (const c of cases) {
    const result = parseResult(c.json);
    assert.equal(result.ips.length, c.ips, c.name);
    assert.equal(result.interfaces.length, c.interfaces, c.name);
    assert.deepEqual(result.routes, [], c.name);
  }
});

Deno.test("parseResult() refuses results that break the spec, naming the field", () => {
  const iface = [{ name: "eth0", sandbox: "/run/netns/x" }];
  const cases: [unknown, RegExp][] = [
    [[], /^result must be an object/],
    [{ interfaces: {} }, /^interfaces must be a list/],
    [{ interfaces: [{ mac: "x" }] }, /^interfaces\[0\]\.name must be a string/],
    [{ ips: [{ address: "10.0.0.2" }] }, /^ips\[0\]\.address must be an address in CIDR/],
    [{ ips: [{ address: "10.0.0.300/24" }] }, /^ips\[0\]\.address must be an address in CIDR/],
    [{ ips: [{ address: "fd00::2/129" }] }, /^ips\[0\]\.address must be an address in CIDR/],
    [{ ips: [{ address: "10.0.0.2/24", gateway: "x" }] }, /^ips\[0\]\.gateway must be an IP/],
    [{ interfaces: iface, ips: [{ address: "10.0.0.2/24", interface: 1 }] }, /lists 1 interf/],
    [{ interfaces: iface, ips: [{ address: "10.0.0.2/24", interface: -1 }] }, /must be an index/],
    [{ routes: [{ dst: "default" }] }, /^routes\[0\]\.dst must be an address in CIDR/],
    [{ dns: { nameservers: ["dns.example"] } }, /^dns\.nameservers\[0\] must be an IP/],
  ];
  for (const [json, message] of cases) {
    assert.throws(() => parseResult(json), (error: unknown) => {
      assert.ok(error instanceof CniResultError, `${JSON.stringify(json)}: ${error}`);
      assert.match(error.message, message, JSON.stringify(json));
      return true;
    });
  }
});

Deno.test("isCidr() takes IPv4 and IPv6 addresses with a prefix length only", () => {
  const cases: [string, boolean][] = [
    ["10.244.1.0/24", true],
    ["10.244.1.5/32", true],
    ["fd00:10:244::/64", true],
    ["10.244.1.0", false],
    ["10.244.1.0/33", false],
    ["10.244.1.0/", false],
    ["10.244.1.0/2x", false],
    ["fd00::/-1", false],
    ["host/24", false],
  ];
  for (const [text, expected] of cases) assert.equal(isCidr(text), expected, text);
});

Deno.test("podIPsOf() answers the sandbox interface's addresses, IPv4 first", () => {
  const interfaces = [
    { name: "cni0" },
    { name: "veth1" },
    { name: "eth0", sandbox: "/run/netns/p" },
    { name: "net1", sandbox: "/run/netns/p" },
    { name: "eth0" }, // the same name on the host: not the pod's
  ];
  const cases: { name: string; ips: unknown[]; expected: string[] }[] = [
    {
      name: "dual stack, IPv6 listed first",
      ips: [
        { address: "fd00::5/64", interface: 2 },
        { address: "10.244.0.5/24", interface: 2 },
        { address: "10.244.0.6/24", interface: 2 },
      ],
      expected: ["10.244.0.5", "10.244.0.6", "fd00::5"],
    },
    {
      name: "addresses of the host side, another interface, or none",
      ips: [
        { address: "10.244.0.1/24", interface: 0 },
        { address: "10.99.0.5/24", interface: 3 },
        { address: "10.244.0.7/24", interface: 4 },
        { address: "10.244.0.8/24" },
        { address: "10.244.0.5/24", interface: 2 },
      ],
      expected: ["10.244.0.5"],
    },
    { name: "no addresses", ips: [], expected: [] },
  ];
  for (const c of cases) {
    const result = parseResult({ cniVersion: "1.0.0", interfaces, ips: c.ips });
    assert.deepEqual(podIPsOf(result, "eth0"), c.expected, c.name);
  }
  const other = parseResult({
    cniVersion: "1.0.0",
    interfaces,
    ips: [{ address: "10.99.0.5/24", interface: 3 }],
  });
  assert.deepEqual(podIPsOf(other, "net1"), ["10.99.0.5"]);
});
