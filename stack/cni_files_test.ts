import assert from "node:assert/strict";
import { cniConflistTemplate, POD_CIDR_PLACEHOLDER } from "./cni_files.ts";

Deno.test("cniConflistTemplate() is a denovirt bridge + portmap config list with the pod CIDR placeholder", () => {
  const text = cniConflistTemplate("/h/cni/ipam");
  const rendered = JSON.parse(text.replaceAll(POD_CIDR_PLACEHOLDER, "10.244.3.0/24"));
  assert.equal(rendered.cniVersion, "1.0.0");
  assert.equal(rendered.name, "denovirt");
  assert.deepEqual(rendered.plugins.map((p: { type: string }) => p.type), ["bridge", "portmap"]);
  const [bridge, portmap] = rendered.plugins;
  assert.equal(bridge.bridge, "dv0");
  assert.equal(bridge.isGateway, true);
  assert.equal(bridge.ipMasq, true);
  assert.equal(bridge.hairpinMode, true);
  assert.deepEqual(bridge.ipam, {
    type: "host-local",
    ranges: [[{ subnet: "10.244.3.0/24" }]],
    routes: [{ dst: "0.0.0.0/0" }],
    dataDir: "/h/cni/ipam",
  });
  assert.deepEqual(portmap.capabilities, { portMappings: true });
});

Deno.test("cniConflistTemplate() holds the placeholder once, inside a JSON string", () => {
  const text = cniConflistTemplate("/h/cni/ipam");
  assert.equal(text.split(POD_CIDR_PLACEHOLDER).length, 2);
  assert.ok(text.includes(`"subnet": "${POD_CIDR_PLACEHOLDER}"`));
  // Valid JSON as it stands, so a reader can check it before rendering.
  assert.equal(JSON.parse(text).plugins[0].ipam.ranges[0][0].subnet, POD_CIDR_PLACEHOLDER);
});
