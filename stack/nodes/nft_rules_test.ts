import assert from "node:assert/strict";
import { nodeRules, rootRules } from "./nft_rules.ts";

Deno.test("rootRules: only the given ports on the bridge address reach loopback", () => {
  const rules = rootRules([6443, 5000, 6443]);
  assert.match(rules, /^table ip denovirt-nodes\ndelete table ip denovirt-nodes\n/);
  assert.match(
    rules,
    /iifname "dvk0" ip daddr 10\.250\.0\.1 tcp dport \{ 5000, 6443 \} dnat to 127\.0\.0\.1/,
  );
});

Deno.test("nodeRules: a node's loopback ports go to the bridge address with the node's source", () => {
  const rules = nodeRules([6443]);
  assert.match(rules, /type nat hook output priority -100;/);
  assert.match(rules, /ip daddr 127\.0\.0\.1 tcp dport \{ 6443 \} dnat to 10\.250\.0\.1/);
  assert.match(rules, /oifname "eth0" ip saddr 127\.0\.0\.0\/8 masquerade/);
});

Deno.test("nodeRules: with the API server, the kubernetes Service goes to its loopback port", () => {
  const rules = nodeRules([6443], { ip: "10.96.0.1", port: 6443 });
  const rule = /ip daddr 10\.96\.0\.1 tcp dport 443 dnat to 10\.250\.0\.1:6443/g;
  // From the node itself (output) and from its pods (prerouting).
  assert.equal(rules.match(rule)?.length, 2);
  assert.match(rules, /type nat hook prerouting priority -100;/);
  assert.doesNotMatch(nodeRules([6443]), /10\.96\.0\.1|prerouting/);
});

Deno.test("rootRules: refuses an empty port list", () => {
  assert.throws(() => rootRules([]), /at least one port/);
});
