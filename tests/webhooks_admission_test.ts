/** The admission webhooks behind the real API server: defaults come back, refusals name fields. */
import assert from "node:assert/strict";
import { CustomObjectsApi } from "@kubernetes/client-node";
import { ROLES_READY_FOR_THE_STACK } from "../stack/roles.ts";
import { firmwareUuidFor } from "../api/firmware_uuid.ts";
import { ALLOWED_DIR, goodDataVolume, goodVm, goodVmi } from "../webhooks/testdata/good_objects.ts";
import { BAD_MANIFESTS } from "../webhooks/testdata/bad_manifests.ts";
import { apiFixture } from "../webhooks/testdata/reviews.ts";
import { testStack, withNamespace } from "./support/stack.ts";

// Until the stack starts the webhooks role, nothing answers the registered webhooks.
const ignore = !ROLES_READY_FOR_THE_STACK.includes("webhooks");
const stack = ignore ? undefined : await testStack();

// deno-lint-ignore no-explicit-any
type Json = Record<string, any>;

const KUBEVIRT = { group: "kubevirt.io", version: "v1" };

function api() {
  return stack!.admin.makeApiClient(CustomObjectsApi);
}

async function create(namespace: string, plural: string, body: Json): Promise<Json> {
  const group = plural === "datavolumes"
    ? { group: "cdi.kubevirt.io", version: "v1beta1" }
    : KUBEVIRT;
  body.metadata = { ...body.metadata, namespace };
  return await api().createNamespacedCustomObject({ ...group, namespace, plural, body }) as Json;
}

/** The refusal of a rejected call: HTTP code and message. */
async function refusal(call: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await call;
  } catch (error) {
    const { code, body } = error as { code?: number; body?: unknown };
    const status = typeof body === "string" ? JSON.parse(body) : body as Json;
    return { code: code ?? status?.code, message: String(status?.message ?? error) };
  }
  throw new Error("Expected the API server to refuse the object");
}

Deno.test({
  name: "the webhooks default KubeVirt's vm-cirros example as it is created",
  ignore,
  fn: () =>
    withNamespace(stack!.admin, "wh", async (namespace) => {
      const example = apiFixture("vm-cirros") as Json;
      const vm = await create(namespace, "virtualmachines", example);
      const spec = vm.spec.template.spec;
      assert.equal(vm.spec.runStrategy, "Halted");
      assert.equal(spec.domain.machine.type, "q35");
      assert.equal(spec.domain.firmware.uuid, firmwareUuidFor(namespace, "vm-cirros"));
      assert.deepEqual(spec.domain.devices.interfaces, [{ name: "default", masquerade: {} }]);
      assert.deepEqual(spec.networks, [{ name: "default", pod: {} }]);
      assert.deepEqual(spec.domain.memory, { guest: "128Mi" });
    }),
});

Deno.test({
  name: "the webhooks store running: true as runStrategy Always",
  ignore,
  fn: () =>
    withNamespace(stack!.admin, "wh", async (namespace) => {
      const body = goodVm();
      delete body.spec.runStrategy;
      body.spec.running = true;
      delete body.spec.dataVolumeTemplates;
      body.spec.template.spec.volumes[0] = {
        name: "root",
        persistentVolumeClaim: { claimName: "root" },
      };
      const vm = await create(namespace, "virtualmachines", body);
      assert.equal(vm.spec.runStrategy, "Always");
      assert.equal(vm.spec.running, undefined);
    }),
});

Deno.test({
  name: "the API server refuses bad objects with the webhooks' field paths",
  ignore,
  fn: () =>
    withNamespace(stack!.admin, "wh", async (namespace) => {
      const missing = goodVm();
      missing.spec.template.spec.domain.devices.disks[1].name = "data";
      const unknown = goodVm();
      unknown.spec.template.spec.domain.devices.disks[0].floppy = {};
      const sriov = goodVm();
      sriov.spec.template.spec.domain.devices.interfaces[0] = { name: "default", sriov: {} };
      const ftp = goodDataVolume();
      ftp.spec.source.http.url = "ftp://images.example.com/a.qcow2";
      const cases: [string, Json, string][] = [
        [
          "virtualmachines",
          missing,
          'spec.template.spec.domain.devices.disks[1].name: "data" has no matching volume',
        ],
        [
          "virtualmachines",
          unknown,
          "spec.template.spec.domain.devices.disks[0].floppy: unknown field",
        ],
        [
          "virtualmachines",
          sriov,
          "spec.template.spec.domain.devices.interfaces[0].sriov: not supported by denovirt",
        ],
        ["datavolumes", ftp, "spec.source.http.url: must be an http or https URL"],
      ];
      for (const [plural, body, expected] of cases) {
        const { code, message } = await refusal(create(namespace, plural, body));
        assert.equal(code, 422, message);
        assert.ok(message.includes(expected), `"${expected}" not in: ${message}`);
      }
    }),
});

Deno.test({
  name: "the API server refuses a user's change to a VMI's spec",
  ignore,
  fn: () =>
    withNamespace(stack!.admin, "wh", async (namespace) => {
      const created = await create(namespace, "virtualmachineinstances", goodVmi());
      const ref = { ...KUBEVIRT, namespace, plural: "virtualmachineinstances" };
      // The controllers write to a new VMI too: a stale resourceVersion is a conflict, not the
      // answer under test, so read the latest before each try.
      let message = "";
      for (let attempt = 0; attempt < 10; attempt++) {
        const vmi = await api().getNamespacedCustomObject({
          ...ref,
          name: created.metadata.name,
        }) as Json;
        vmi.spec.domain.cpu.cores = 8;
        ({ message } = await refusal(
          api().replaceNamespacedCustomObject({ ...ref, name: vmi.metadata.name, body: vmi }),
        ));
        if (!message.includes("the object has been modified")) break;
      }
      assert.match(message, /spec: update of VMI object is restricted/);
    }),
});

const PLURALS: Record<string, string> = {
  VirtualMachine: "virtualmachines",
  VirtualMachineInstance: "virtualmachineinstances",
  VirtualMachineInstanceReplicaSet: "virtualmachineinstancereplicasets",
  VirtualMachineInstanceMigration: "virtualmachineinstancemigrations",
  DataVolume: "datavolumes",
};

Deno.test({
  name: "the API server refuses every bad manifest of the webhook table, naming its field",
  ignore,
  fn: () =>
    withNamespace(stack!.admin, "wh-bad", async (namespace) => {
      // hostDisk roots depend on the webhook's configuration; every other case must hold here.
      const portable = BAD_MANIFESTS.filter((c) =>
        !JSON.stringify(c.object).includes(ALLOWED_DIR) &&
        !c.expect.some((e) => e.includes("hostDisk"))
      );
      assert.ok(portable.length >= 20, `only ${portable.length} portable bad manifests`);
      for (const bad of portable) {
        const plural = PLURALS[bad.object.kind as string]!;
        const { code, message } = await refusal(
          create(namespace, plural, structuredClone(bad.object)),
        );
        assert.ok(code === 422 || code === 400, `${bad.name}: HTTP ${code}: ${message}`);
        // The field path always; the schema-level cases (bad quantities, wrong types) are
        // refused by the API server's own CRD validation before the webhook sees them.
        const [path] = bad.expect;
        assert.ok(message.includes(path!), `${bad.name}: "${path}" not in: ${message}`);
      }
    }),
});
