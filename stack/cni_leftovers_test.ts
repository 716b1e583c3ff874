import assert from "node:assert/strict";
import { cniNatCleanup, nftTableIsEmpty } from "./cni_leftovers.ts";

/** `iptables-save -t nat` with one `denovirt` sandbox (bridge ipMasq + a portmap) never deleted. */
const LIVE = String.raw`*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:CNI-5ae6f4667fcbe73fbd6e5ba4 - [0:0]
:CNI-DN-5ae6f4667fcbe73fbd6e5 - [0:0]
:CNI-HOSTPORT-DNAT - [0:0]
:CNI-HOSTPORT-MASQ - [0:0]
:CNI-HOSTPORT-SETMARK - [0:0]
-A PREROUTING -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT
-A OUTPUT -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT
-A POSTROUTING -m comment --comment "CNI portfwd requiring masquerade" -j CNI-HOSTPORT-MASQ
-A POSTROUTING -s 10.244.0.3/32 -m comment --comment "name: \"denovirt\" id: \"snettest\"" -j CNI-5ae6f4667fcbe73fbd6e5ba4
-A CNI-5ae6f4667fcbe73fbd6e5ba4 -d 10.244.0.0/24 -m comment --comment "name: \"denovirt\" id: \"snettest\"" -j ACCEPT
-A CNI-5ae6f4667fcbe73fbd6e5ba4 ! -d 224.0.0.0/4 -m comment --comment "name: \"denovirt\" id: \"snettest\"" -j MASQUERADE
-A CNI-DN-5ae6f4667fcbe73fbd6e5 -p tcp -m tcp --dport 18080 -j DNAT --to-destination 10.244.0.3:80
-A CNI-HOSTPORT-DNAT -p tcp -m comment --comment "dnat name: \"denovirt\" id: \"snettest\"" -m multiport --dports 18080 -j CNI-DN-5ae6f4667fcbe73fbd6e5
-A CNI-HOSTPORT-MASQ -m mark --mark 0x2000/0x2000 -j MASQUERADE
-A CNI-HOSTPORT-SETMARK -m comment --comment "CNI portfwd masquerade mark" -j MARK --set-xmark 0x2000/0x2000
COMMIT
`;

/** What stays after every sandbox was deleted: portmap's shared chains. */
const AFTER_DEL = String.raw`*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:CNI-HOSTPORT-DNAT - [0:0]
:CNI-HOSTPORT-MASQ - [0:0]
:CNI-HOSTPORT-SETMARK - [0:0]
:DOCKER - [0:0]
-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
-A PREROUTING -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT
-A OUTPUT -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT
-A POSTROUTING -m comment --comment "CNI portfwd requiring masquerade" -j CNI-HOSTPORT-MASQ
-A CNI-HOSTPORT-MASQ -m mark --mark 0x2000/0x2000 -j MASQUERADE
-A CNI-HOSTPORT-SETMARK -m comment --comment "CNI portfwd masquerade mark" -j MARK --set-xmark 0x2000/0x2000
COMMIT
`;

const SHARED = ["CNI-HOSTPORT-DNAT", "CNI-HOSTPORT-MASQ", "CNI-HOSTPORT-SETMARK"];
const commands = (save: string) => cniNatCleanup(save).map((args) => args.join(" "));

Deno.test("cniNatCleanup() removes a forgotten sandbox's chains and the shared ones, jumps first", () => {
  const sandbox = ["CNI-5ae6f4667fcbe73fbd6e5ba4", "CNI-DN-5ae6f4667fcbe73fbd6e5"];
  assert.deepEqual(commands(LIVE), [
    "-D OUTPUT 1",
    "-D POSTROUTING 2",
    "-D POSTROUTING 1",
    "-D PREROUTING 1",
    ...[...sandbox, ...SHARED].map((c) => `-F ${c}`),
    ...[...sandbox, ...SHARED].map((c) => `-X ${c}`),
  ]);
});

Deno.test("cniNatCleanup() removes portmap's shared chains and leaves other chains and rules", () => {
  assert.deepEqual(commands(AFTER_DEL), [
    "-D OUTPUT 1",
    "-D POSTROUTING 1",
    "-D PREROUTING 2",
    ...SHARED.map((c) => `-F ${c}`),
    ...SHARED.map((c) => `-X ${c}`),
  ]);
});

Deno.test("cniNatCleanup() keeps the shared chains while another CNI network has sandboxes", () => {
  const other = LIVE.replaceAll(String.raw`name: \"denovirt\"`, String.raw`name: \"cbr0\"`);
  assert.deepEqual(commands(other), []);
  // Another network beside a forgotten denovirt sandbox: only denovirt's chains go.
  const both = LIVE.replace(
    ":CNI-HOSTPORT-DNAT",
    ":CNI-0123456789abcdef01234567 - [0:0]\n:CNI-HOSTPORT-DNAT",
  ).replace(
    "COMMIT",
    String
      .raw`-A POSTROUTING -s 10.88.0.2/32 -m comment --comment "name: \"cbr0\" id: \"x\"" -j CNI-0123456789abcdef01234567
COMMIT`,
  );
  const got = commands(both);
  assert.ok(got.includes("-X CNI-5ae6f4667fcbe73fbd6e5ba4"));
  assert.ok(!got.some((c) => c.includes("CNI-0123456789abcdef01234567")));
  assert.ok(!got.some((c) => /^-[FX] CNI-HOSTPORT-/.test(c)), "the shared chains stay");
  assert.ok(got.includes("-D CNI-HOSTPORT-DNAT 1"), "the jump to the removed portmap chain goes");
});

Deno.test("cniNatCleanup() has nothing to do on a table without CNI chains", () => {
  assert.deepEqual(commands("*nat\n:PREROUTING ACCEPT [0:0]\nCOMMIT\n"), []);
});

Deno.test("nftTableIsEmpty() is true only for a table without rules", () => {
  const table = { table: { family: "ip", name: "nat" } };
  const chain = { chain: { family: "ip", table: "nat", name: "POSTROUTING" } };
  const rule = { rule: { family: "ip", table: "nat", chain: "POSTROUTING" } };
  assert.equal(nftTableIsEmpty(JSON.stringify({ nftables: [table, chain] })), true);
  assert.equal(nftTableIsEmpty(JSON.stringify({ nftables: [table, chain, rule] })), false);
});
