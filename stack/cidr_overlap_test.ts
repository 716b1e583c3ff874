import assert from "node:assert/strict";
import {
  cidrOverlaps,
  type IpAddrEntry,
  type IpRouteEntry,
  overlapMessage,
  parseCidr,
  STACK_CIDRS,
} from "./cidr_overlap.ts";

/** This kind of machine: 192.0.2.0/24 on eth0 with a default route, and loopback. */
const LOOPBACK: IpAddrEntry = {
  ifname: "lo",
  addr_info: [
    { family: "inet", local: "127.0.0.1", prefixlen: 8 },
    { family: "inet6", local: "::1", prefixlen: 128 },
  ],
};
const ETH0: IpAddrEntry = {
  ifname: "eth0",
  addr_info: [
    { family: "inet", local: "192.0.2.2", prefixlen: 24 },
    { family: "inet6", local: "fd00::2", prefixlen: 64 },
  ],
};
const MACHINE_ROUTES: IpRouteEntry[] = [
  { dst: "default", gateway: "192.0.2.1", dev: "eth0" },
  { dst: "192.0.2.0/24", dev: "eth0" },
];
/** What the stack itself adds once pods run: the bridge, its route, a VM's bridge. */
const DV0: IpAddrEntry = {
  ifname: "dv0",
  addr_info: [{ family: "inet", local: "10.244.0.1", prefixlen: 24 }],
};
const DV_ROUTES: IpRouteEntry[] = [
  { dst: "10.244.0.0/24", dev: "dv0" },
  { dst: "10.244.0.7", dev: "dvb0123456789" },
];

const addr = (ifname: string, cidr: string): IpAddrEntry => {
  const [local, prefix] = cidr.split("/");
  return { ifname, addr_info: [{ family: "inet", local, prefixlen: Number(prefix) }] };
};

Deno.test("cidrOverlaps() names each address and route of the machine inside the stack's CIDRs", () => {
  const cases: { name: string; addrs: IpAddrEntry[]; routes: IpRouteEntry[]; want: string[] }[] = [
    { name: "this machine", addrs: [LOOPBACK, ETH0], routes: MACHINE_ROUTES, want: [] },
    {
      name: "the stack's own bridge and routes",
      addrs: [LOOPBACK, ETH0, DV0],
      routes: [...MACHINE_ROUTES, ...DV_ROUTES],
      want: [],
    },
    {
      name: "an address inside the pod CIDR",
      addrs: [ETH0, addr("eth1", "10.244.9.5/24")],
      routes: [],
      want: ["pod CIDR: address 10.244.9.5/24 of eth1"],
    },
    {
      name: "a network that contains both CIDRs",
      addrs: [addr("wg0", "10.1.2.3/8")],
      routes: [],
      want: [
        "pod CIDR: address 10.1.2.3/8 of wg0",
        "service CIDR: address 10.1.2.3/8 of wg0",
        "nodes' CIDR: address 10.1.2.3/8 of wg0",
      ],
    },
    {
      name: "an address inside the nodes' CIDR",
      addrs: [ETH0, addr("br-lab", "10.250.0.254/24")],
      routes: [],
      want: ["nodes' CIDR: address 10.250.0.254/24 of br-lab"],
    },
    {
      name: "a route through a gateway into the service CIDR",
      addrs: [ETH0],
      routes: [...MACHINE_ROUTES, { dst: "10.96.128.0/20", gateway: "192.0.2.9", dev: "eth0" }],
      want: ["service CIDR: route 10.96.128.0/20 via 192.0.2.9 dev eth0"],
    },
    {
      name: "a host route and a blackhole",
      addrs: [],
      routes: [{ dst: "10.244.200.1", dev: "tun0" }, { dst: "10.96.0.0/24", type: "blackhole" }],
      want: [
        "pod CIDR: route 10.244.200.1 dev tun0",
        "service CIDR: route blackhole 10.96.0.0/24",
      ],
    },
    {
      name: "neighbours just outside",
      addrs: [addr("eth1", "10.243.255.1/24"), addr("eth2", "10.245.0.1/16")],
      routes: [{ dst: "10.97.0.0/16", dev: "eth2" }, { dst: "0.0.0.0/0", dev: "eth2" }],
      want: [],
    },
  ];
  for (const c of cases) {
    const got = cidrOverlaps(STACK_CIDRS, c.addrs, c.routes)
      .map((o) => `${o.chosen.name}: ${o.overlaps}`);
    assert.deepEqual(got, c.want, c.name);
  }
});

Deno.test("cidrOverlaps() reports chosen CIDRs that overlap each other", () => {
  const chosen = [
    { name: "pod CIDR", cidr: "10.0.0.0/8" },
    { name: "service CIDR", cidr: "10.96.0.0/16" },
  ];
  const got = cidrOverlaps(chosen, [ETH0], MACHINE_ROUTES);
  assert.deepEqual(got.map((o) => o.overlaps), ["the service CIDR 10.96.0.0/16"]);
});

Deno.test("overlapMessage() names the CIDR and what it overlaps", () => {
  const overlaps = cidrOverlaps(STACK_CIDRS, [addr("eth1", "10.244.9.5/24")], []);
  assert.equal(
    overlapMessage(overlaps),
    "Cannot start the local stack: its networks overlap this machine's: " +
      "the pod CIDR 10.244.0.0/16 overlaps address 10.244.9.5/24 of eth1",
  );
});

Deno.test("parseCidr() reads IPv4 CIDRs and refuses anything else", () => {
  assert.deepEqual(parseCidr("10.244.0.0/16"), { base: 0x0af40000, prefix: 16 });
  assert.deepEqual(parseCidr("255.255.255.255/32"), { base: 0xffffffff, prefix: 32 });
  for (const bad of ["10.244.0.0", "10.244.0.256/24", "10.0.0.0/33", "fd00::/64"]) {
    assert.throws(() => parseCidr(bad), /Cannot read the IPv4 CIDR/, bad);
  }
});
