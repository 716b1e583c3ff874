// The webhooks against the shared table of refused specs (api/testdata/refusals.ts), which the
// agent's renderer is tested against too: what the agent would refuse at start is refused here,
// at admission, naming the same field.
import assert from "node:assert/strict";
import { type Json, REFUSAL_CASES, refusedSpec, runnableSpec } from "../api/testdata/refusals.ts";
import { webhookApp } from "./app.ts";
import { admit } from "./testdata/admit.ts";
import { fakeLookups } from "./testdata/reviews.ts";

const app = webhookApp({ lookups: fakeLookups([]), newUuid: () => crypto.randomUUID() });

/** A VMI and a VM around a VMI spec, with the paths the spec has in each. */
function objectsOf(spec: Json): [Json, string][] {
  return [
    [{
      apiVersion: "kubevirt.io/v1",
      kind: "VirtualMachineInstance",
      metadata: { name: "refused", namespace: "default" },
      spec,
    }, "spec"],
    [{
      apiVersion: "kubevirt.io/v1",
      kind: "VirtualMachine",
      metadata: { name: "refused", namespace: "default" },
      spec: { runStrategy: "Halted", template: { spec: structuredClone(spec) } },
    }, "spec.template.spec"],
  ];
}

Deno.test("webhookApp() admits the table's runnable spec as a VMI and as a VM's template", async () => {
  for (const [object] of objectsOf(runnableSpec())) {
    const { validation } = await admit(app, object);
    assert.equal(validation.response.allowed, true, JSON.stringify(validation.response));
  }
});

for (const c of REFUSAL_CASES) {
  Deno.test(`webhookApp() refuses ${c.name} in a VMI and a VM, naming ${c.path}`, async () => {
    for (const [object, base] of objectsOf(refusedSpec(c))) {
      const { validation } = await admit(app, object);
      const message = String(validation.response.status?.message);
      assert.equal(validation.response.allowed, false, `${object.kind} admitted`);
      assert.ok(message.includes(`${base}.${c.path}`), `${object.kind}: ${message}`);
      assert.ok(message.includes(c.says), `${object.kind}: "${c.says}" not in ${message}`);
    }
  });
}
