import assert from "node:assert/strict";
import { webhookApp } from "../app.ts";
import { admit } from "../testdata/admit.ts";
import { goodVm, type Json } from "../testdata/good_objects.ts";
import { fakeLookups } from "../testdata/reviews.ts";

const app = webhookApp({ lookups: fakeLookups() });

function goodPool(): Json {
  const vm = goodVm();
  return {
    apiVersion: "pool.kubevirt.io/v1alpha1",
    kind: "VirtualMachinePool",
    metadata: { name: "web", namespace: "default" },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: "web" } },
      virtualMachineTemplate: { metadata: { labels: { app: "web" } }, spec: vm.spec },
    },
  };
}

const messageOf = async (pool: Json) => (await admit(app, pool)).validation.response;

Deno.test("webhookApp() admits a VM pool whose selector selects its template", async () => {
  const verdict = await messageOf(goodPool());
  assert.equal(verdict.allowed, true, JSON.stringify(verdict.status));
});

Deno.test("webhookApp() refuses a VM pool naming the field: selector, template, unsupported", async () => {
  const cases: [(pool: Json) => void, string][] = [
    [
      (p) => (p.spec.selector = { matchLabels: { app: "db" } }),
      'spec.selector: selector does not match labels: spec.virtualMachineTemplate.metadata.labels is {"app":"web"}',
    ],
    [
      (p) => (p.spec.virtualMachineTemplate.spec.template.spec.domain.devices.disks[1].name = "x"),
      'spec.virtualMachineTemplate.spec.template.spec.domain.devices.disks[1].name: "x" has no matching volume',
    ],
    [
      (p) => (p.spec.nameGeneration = { appendIndexToConfigMapRefs: true }),
      "spec.nameGeneration: not supported by denovirt",
    ],
  ];
  for (const [edit, expected] of cases) {
    const pool = goodPool();
    edit(pool);
    const verdict = await messageOf(pool);
    assert.equal(verdict.allowed, false, expected);
    assert.ok(verdict.status.message.includes(expected), verdict.status.message);
  }
});
