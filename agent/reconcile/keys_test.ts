import assert from "node:assert/strict";
import { liveDomainFacts } from "../status/domain_facts.ts";
import { domainNameOfKey, keyOfDomainName, parseDomainOwner, withOwnerNode } from "./keys.ts";

Deno.test("keyOfDomainName() maps <namespace>_<name> to namespace/name and back", () => {
  assert.equal(keyOfDomainName("default_web"), "default/web");
  assert.equal(domainNameOfKey("default/web"), "default_web");
  assert.equal(keyOfDomainName("denovirt-kvm-probe-1234"), undefined);
  assert.equal(keyOfDomainName("_x"), undefined);
});

Deno.test("withOwnerNode() records the node in the metadata element once, and parseDomainOwner() reads it", () => {
  const xml = "<domain><metadata><denovirt:vmi xmlns:denovirt='http://denovirt.io/domain/1' " +
    "namespace='ns' name='web' uid='u-1'/></metadata></domain>";
  const owned = withOwnerNode(xml, "node-a");
  assert.equal(withOwnerNode(owned, "node-b"), owned);
  assert.deepEqual(parseDomainOwner(owned), {
    namespace: "ns",
    name: "web",
    uid: "u-1",
    node: "node-a",
  });
  // As virDomainGetMetadata returns it: the element alone, with its own prefix.
  assert.deepEqual(
    parseDomainOwner(
      `<vmi xmlns="http://denovirt.io/domain/1" namespace="ns" name="web" uid="u-1"/>`,
    ),
    { namespace: "ns", name: "web", uid: "u-1" },
  );
  assert.equal(parseDomainOwner("<other/>"), undefined);
  assert.equal(parseDomainOwner(undefined), undefined);
});

Deno.test("liveDomainFacts() reads interface MACs by alias and the machine type", () => {
  const facts = liveDomainFacts(
    `<domain><os><type arch='x86_64' machine='pc-q35-7.2'>hvm</type></os>
    <devices><interface type='user'><mac address='52:54:00:AB:CD:EF'/><model type='virtio'/>
    <alias name='ua-default'/></interface></devices></domain>`,
  );
  assert.deepEqual(facts, {
    interfaces: [{ name: "default", mac: "52:54:00:ab:cd:ef", type: "user" }],
    machine: "pc-q35-7.2",
  });
});
