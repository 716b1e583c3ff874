import assert from "node:assert/strict";
import { masqueradeRuleset, vmNetworkOf } from "./masquerade.ts";

const VM = vmNetworkOf({ address: "10.0.2.0", prefix: 24 });

Deno.test("vmNetworkOf() puts the gateway on .1 and the guest on .2", () => {
  assert.deepEqual(VM, {
    network: "10.0.2.0",
    prefix: 24,
    gateway: "10.0.2.1",
    guest: "10.0.2.2",
    netmask: "255.255.255.0",
  });
  assert.equal(vmNetworkOf({ address: "172.16.8.0", prefix: 22 }).netmask, "255.255.252.0");
});

Deno.test("masqueradeRuleset() forwards every port but migration's when none are listed", () => {
  const rules = masqueradeRuleset("10.244.0.7", VM, undefined);
  assert.match(
    rules,
    /tcp dport \{ 49152, 49153 \} return\n\s+ip daddr 10\.244\.0\.7 dnat to 10\.0\.2\.2/,
  );
  assert.match(rules, /oifname "eth0" ip saddr 10\.0\.2\.2 masquerade/);
  assert.match(rules, /iifname "eth0" jump inbound/);
  assert.ok(rules.startsWith("table ip denovirt\ndelete table ip denovirt\n"));
});

Deno.test("masqueradeRuleset() forwards only the listed ports, by protocol", () => {
  const rules = masqueradeRuleset("10.244.0.7", VM, [
    { port: 80 },
    { port: 53, protocol: "UDP" },
    { port: 22, protocol: "TCP" },
    { port: 80, protocol: "TCP" },
  ]);
  assert.match(rules, /ip daddr 10\.244\.0\.7 tcp dport \{ 22, 80 \} dnat to 10\.0\.2\.2/);
  assert.match(rules, /ip daddr 10\.244\.0\.7 udp dport \{ 53 \} dnat to 10\.0\.2\.2/);
  assert.doesNotMatch(rules, /49152/);
  assert.doesNotMatch(rules, /ip daddr 10\.244\.0\.7 dnat/);
});
