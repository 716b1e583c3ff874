import assert from "node:assert/strict";
import { domainNameOfKey, keyOfDomainName } from "./keys.ts";

Deno.test("keyOfDomainName() maps <namespace>_<name> to namespace/name and back", () => {
  assert.equal(keyOfDomainName("default_web"), "default/web");
  assert.equal(domainNameOfKey("default/web"), "default_web");
  assert.equal(keyOfDomainName("denovirt-kvm-probe-1234"), undefined);
  assert.equal(keyOfDomainName("_x"), undefined);
});
