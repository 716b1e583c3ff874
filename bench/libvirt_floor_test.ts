import assert from "node:assert/strict";
import { domainXmlFor } from "../agent/domain/mod.ts";
import { parseDomainOwner } from "../agent/libvirt/xml_read.ts";
import { loadVmi } from "../agent/testdata/vmis.ts";
import { FLOOR_NAMESPACE, floorVmi } from "./libvirt_floor.ts";
import type { Vmi } from "./start_latency.ts";

Deno.test("floorVmi() renders a domain of its own that names the floor as its node, so no agent adopts it", async () => {
  const vmi = await loadVmi("minimal") as Vmi;
  const copy = floorVmi(vmi);
  assert.equal(copy.metadata.namespace, FLOOR_NAMESPACE);
  assert.notEqual(copy.metadata.uid, vmi.metadata.uid);
  assert.notEqual(copy.spec.domain.firmware?.uuid, vmi.spec.domain.firmware?.uuid);
  assert.deepEqual(copy.spec.volumes, vmi.spec.volumes);
  const xml = domainXmlFor(copy, { name: "bench-floor", kvm: false, runDir: "/run/x" }, [
    { name: "rootdisk", path: "/d/floor.raw", format: "raw", device: "file" },
  ]);
  assert.match(xml, new RegExp(`<name>${FLOOR_NAMESPACE}_minimal</name>`));
  assert.equal(parseDomainOwner(xml)?.node, "bench-floor");
  assert.equal(vmi.metadata.namespace, "default"); // The original is untouched.
});
