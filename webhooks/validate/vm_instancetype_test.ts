import assert from "node:assert/strict";
import { webhookApp } from "../app.ts";
import { admit } from "../testdata/admit.ts";
import { goodVm, type Json } from "../testdata/good_objects.ts";
import { fakeLookups } from "../testdata/reviews.ts";

const app = webhookApp({ lookups: fakeLookups() });

/** The good VM with its CPU and memory left to the instance type u1.medium. */
function sizedVm(): Json {
  const vm = goodVm();
  delete vm.spec.template.spec.domain.cpu;
  delete vm.spec.template.spec.domain.memory;
  vm.spec.instancetype = { name: "u1.medium" };
  vm.spec.preference = { name: "fedora" };
  return vm;
}

Deno.test("webhookApp() admits a VM sized by a cluster instance type, defaulting the kinds", async () => {
  const { mutated, validation } = await admit(app, sizedVm());
  assert.equal(validation.response.allowed, true, JSON.stringify(validation.response.status));
  const spec = (mutated as Json).spec;
  assert.deepEqual(spec.instancetype, {
    name: "u1.medium",
    kind: "VirtualMachineClusterInstancetype",
  });
  assert.deepEqual(spec.preference, { name: "fedora", kind: "VirtualMachineClusterPreference" });
  // The template keeps its gaps for the instance type: no CPU topology or memory defaulted in.
  assert.equal(spec.template.spec.domain.cpu, undefined);
  assert.equal(spec.template.spec.domain.resources, undefined);
});

Deno.test("webhookApp() refuses a VM whose instance type gives less than its preference needs", async () => {
  const vm = sizedVm();
  vm.spec.preference = { name: "fedora" };
  const lookups = fakeLookups();
  const needy = webhookApp({
    lookups: {
      ...lookups,
      getInstancetypeSpec: (target, namespace) =>
        target.field === "preference"
          ? Promise.resolve({ requirements: { memory: { guest: "8Gi" } } })
          : lookups.getInstancetypeSpec!(target, namespace),
    },
  });
  const { validation } = await admit(needy, vm);
  assert.equal(validation.response.allowed, false);
  assert.ok(
    validation.response.status.message.includes(
      "spec.instancetype: insufficient Memory resources of 4Gi provided by instance type, " +
        "preference requires 8Gi",
    ),
    validation.response.status.message,
  );
});

Deno.test("webhookApp() refuses instance types and preferences with what denovirt cannot honour", async () => {
  const instancetype = {
    apiVersion: "instancetype.kubevirt.io/v1beta1",
    kind: "VirtualMachineClusterInstancetype",
    metadata: { name: "pinned" },
    spec: { cpu: { guest: 2, dedicatedCPUPlacement: true }, memory: { guest: "1Gi" } },
  };
  const refused = (await admit(app, instancetype)).validation.response;
  assert.equal(refused.allowed, false);
  assert.ok(
    refused.status.message.includes("spec.cpu.dedicatedCPUPlacement: not supported by denovirt"),
    refused.status.message,
  );
  instancetype.spec.cpu.dedicatedCPUPlacement = false;
  assert.equal((await admit(app, instancetype)).validation.response.allowed, true);
  const preference = {
    apiVersion: "instancetype.kubevirt.io/v1beta1",
    kind: "VirtualMachinePreference",
    metadata: { name: "p", namespace: "default" },
    spec: { devices: { preferredSoundModel: "ich9", preferredDiskBus: "virtio" } },
  };
  const soundless = (await admit(app, preference)).validation.response;
  assert.ok(soundless.status.message.includes("spec.devices.preferredSoundModel: not supported"));
  const missing = { ...instancetype, spec: { cpu: { guest: 1 } } };
  const noMemory = (await admit(app, missing)).validation.response;
  assert.ok(noMemory.status.message.includes("spec.memory"), noMemory.status.message);
});

Deno.test("webhookApp() drops the revision of an instance type the VM no longer names", async () => {
  const stored = sizedVm();
  stored.spec.instancetype = {
    name: "u1.medium",
    kind: "VirtualMachineClusterInstancetype",
    revisionName: "web-u1.medium-v1beta1-uid-1",
  };
  const renamed = structuredClone(stored);
  renamed.spec.instancetype.name = "u1.small";
  const { mutated } = await admit(app, renamed, { operation: "UPDATE", oldObject: stored });
  assert.deepEqual((mutated as Json).spec.instancetype, {
    name: "u1.small",
    kind: "VirtualMachineClusterInstancetype",
  });
  const same = structuredClone(stored);
  same.spec.runStrategy = "Halted";
  const kept = await admit(app, same, { operation: "UPDATE", oldObject: stored });
  assert.equal(
    (kept.mutated as Json).spec.instancetype.revisionName,
    "web-u1.medium-v1beta1-uid-1",
  );
});

Deno.test("webhookApp() refuses a template that sets what its instance type sets, naming each field", async () => {
  const vm = goodVm();
  vm.spec.instancetype = { name: "u1.medium" };
  const { validation } = await admit(app, vm);
  assert.equal(validation.response.allowed, false);
  const fields = validation.response.status.details.causes.map((c: { field: string }) => c.field);
  assert.deepEqual(fields, [
    "spec.template.spec.domain.cpu.cores",
    "spec.template.spec.domain.memory.guest",
  ]);
  assert.ok(
    validation.response.status.message.includes(
      "spec.template.spec.domain.cpu.cores: VM field(s) spec.template.spec.domain.cpu.cores " +
        "conflicts with selected instance type",
    ),
  );
});
