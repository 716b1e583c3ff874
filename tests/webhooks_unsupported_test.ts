/**
 * What the agent cannot run never gets into the cluster: every case of the shared table of
 * refused specs (api/testdata/refusals.ts, which the agent's renderer is tested against too),
 * sent to the real API server in a VM and in a VMI, is refused with the field's path.
 */
import assert from "node:assert/strict";
import { CustomObjectsApi } from "@kubernetes/client-node";
import { type Json, REFUSAL_CASES, refusedSpec, runnableSpec } from "../api/testdata/refusals.ts";
import { testStack, withNamespace } from "./support/stack.ts";

const stack = await testStack();
const KUBEVIRT = { group: "kubevirt.io", version: "v1" };

/** The VM and the VMI of a spec, with the path of the spec in each. */
function objectsOf(spec: Json, name: string): { plural: string; body: Json; base: string }[] {
  return [
    {
      plural: "virtualmachines",
      body: {
        apiVersion: "kubevirt.io/v1",
        kind: "VirtualMachine",
        metadata: { name },
        spec: { runStrategy: "Halted", template: { spec: structuredClone(spec) } },
      },
      base: "spec.template.spec",
    },
    {
      plural: "virtualmachineinstances",
      body: {
        apiVersion: "kubevirt.io/v1",
        kind: "VirtualMachineInstance",
        metadata: { name },
        spec,
      },
      base: "spec",
    },
  ];
}

/** The HTTP code and message of a refused create, or undefined when it was created. */
async function create(namespace: string, plural: string, body: Json) {
  const api = stack.admin.makeApiClient(CustomObjectsApi);
  try {
    await api.createNamespacedCustomObject({ ...KUBEVIRT, namespace, plural, body });
    return undefined;
  } catch (error) {
    const { code, body: raw } = error as { code?: number; body?: unknown };
    const status = (typeof raw === "string" ? JSON.parse(raw) : raw) as Json | undefined;
    return { code: code ?? status?.code, message: String(status?.message ?? error) };
  }
}

Deno.test("the API server admits the table's runnable spec in a VM and a VMI", () =>
  withNamespace(stack.admin, "wh-ok", async (namespace) => {
    for (const { plural, body } of objectsOf(runnableSpec(), "runnable")) {
      assert.equal(await create(namespace, plural, body), undefined, plural);
    }
  }));

Deno.test(`the API server refuses all ${REFUSAL_CASES.length} refused specs in a VM and a VMI, naming the field`, () =>
  withNamespace(stack.admin, "wh-refused", async (namespace) => {
    const wrong: string[] = [];
    for (const [i, c] of REFUSAL_CASES.entries()) {
      for (const { plural, body, base } of objectsOf(refusedSpec(c), `refused-${i}`)) {
        const refusal = await create(namespace, plural, body);
        const path = `${base}.${c.path}`;
        if (!refusal) wrong.push(`${c.name}: the ${plural} was created`);
        else if (refusal.code !== 422 && refusal.code !== 400) {
          wrong.push(`${c.name}: ${plural}: HTTP ${refusal.code}: ${refusal.message}`);
        } else if (!refusal.message.includes(path) || !refusal.message.includes(c.says)) {
          wrong.push(`${c.name}: ${plural}: "${path}" or "${c.says}" not in: ${refusal.message}`);
        }
      }
    }
    assert.deepEqual(wrong, []);
  }));
