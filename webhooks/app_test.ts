import assert from "node:assert/strict";
import { VM_CONTROLLER_FINALIZER } from "../api/mod.ts";
import { webhookApp } from "./app.ts";
import { applyPatch } from "./json_patch.ts";
import { admit, call, patchOf } from "./testdata/admit.ts";
import {
  ALLOWED_DIR,
  goodDataVolume,
  goodMigration,
  goodReplicaSet,
  goodVm,
  goodVmi,
  type Json,
} from "./testdata/good_objects.ts";
import { BAD_MANIFESTS } from "./testdata/bad_manifests.ts";
import { apiFixture, fakeLookups, post, reviewOf } from "./testdata/reviews.ts";
import { DENOVIRT_SERVICE_ACCOUNTS } from "./review.ts";

const FIXED_UUID = "11111111-2222-4333-8444-555555555555";
const app = webhookApp({
  lookups: fakeLookups(),
  config: { allowedHostDiskDirs: [ALLOWED_DIR] },
  newUuid: () => FIXED_UUID,
});

Deno.test("webhookApp() defaults KubeVirt's vm-cirros example and the patch gives the expected VM", async () => {
  const vm = apiFixture("vm-cirros");
  const { mutated, mutation } = await admit(app, vm);
  assert.equal(mutation.response.patchType, "JSONPatch");
  const expected = structuredClone(vm) as ReturnType<typeof goodVm>;
  expected.metadata.finalizers = [VM_CONTROLLER_FINALIZER];
  const spec = expected.spec.template.spec;
  spec.domain.machine = { type: "q35" };
  spec.domain.memory = { guest: "128Mi" };
  spec.domain.cpu = { sockets: 1, cores: 1, threads: 1, model: "host-model" };
  // Python: uuid.uuid5(uuid.UUID("6a1a24a1-4061-4607-8bf4-a3963d0c5895"), "default/vm-cirros")
  spec.domain.firmware = { uuid: "9609f054-dfbb-573d-ad37-2a6e8d7db726" };
  spec.domain.devices.interfaces = [{ name: "default", masquerade: {} }];
  spec.networks = [{ name: "default", pod: {} }];
  spec.volumes[0].containerDisk.imagePullPolicy = "Always";
  assert.deepEqual(mutated, expected);
});

Deno.test("webhookApp() gives a VM its controller's finalizer on CREATE only", async () => {
  const mutated = (await admit(app, goodVm())).mutated as ReturnType<typeof goodVm>;
  assert.deepEqual(mutated.metadata.finalizers, [VM_CONTROLLER_FINALIZER]);
  const released = { ...mutated, metadata: { ...mutated.metadata, finalizers: [] } };
  const update = await call(
    app,
    "/virtualmachines/mutate",
    reviewOf(released, { operation: "UPDATE", oldObject: mutated }),
  );
  assert.deepEqual(patchOf(update), []);
});

Deno.test("webhookApp() turns running into runStrategy with KubeVirt's deprecation warning", async () => {
  const { mutated, mutation, validation } = await admit(app, withoutPorts("vm-fedora-datavolume"));
  const spec = (mutated as ReturnType<typeof goodVm>).spec;
  assert.equal(spec.running, undefined);
  assert.equal(spec.runStrategy, "Always");
  assert.deepEqual(mutation.response.warnings, [
    "spec.running is deprecated, please use spec.runStrategy instead.",
  ]);
  assert.equal(validation.response.allowed, true, JSON.stringify(validation.response));
  const domain = spec.template.spec.domain;
  assert.deepEqual(domain.resources, { requests: { memory: "2Gi" } });
  assert.deepEqual(domain.devices.disks[1].cdrom, { bus: "sata", readonly: true, tray: "closed" });
  assert.match(
    domain.firmware.uuid,
    /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
  );
});

Deno.test("webhookApp() defaults a replica set's template, disk: null included, without a firmware UUID", async () => {
  const { mutated } = await admit(app, apiFixture("vmirs-cirros"));
  const spec = (mutated as ReturnType<typeof goodVm>).spec.template.spec;
  assert.deepEqual(spec.domain.devices.disks, [{ name: "containerdisk", disk: { bus: "sata" } }]);
  assert.equal(spec.domain.firmware, undefined);
});

Deno.test("webhookApp() gives a VMI a random firmware UUID and a disk for each volume", async () => {
  const vmi = goodVmi();
  vmi.spec.volumes.push({ name: "scratch", emptyDisk: { capacity: "1Gi" } });
  const { mutated, validation } = await admit(app, vmi);
  assert.equal(validation.response.allowed, true, JSON.stringify(validation.response));
  const spec = (mutated as ReturnType<typeof goodVmi>).spec;
  assert.equal(spec.domain.firmware.uuid, FIXED_UUID);
  assert.deepEqual(spec.domain.devices.disks[2], { name: "scratch", disk: { bus: "sata" } });
});

Deno.test("webhookApp() admits good objects of every kind; DataVolumes get no patch", async () => {
  for (const object of [goodVm(), goodVmi(), goodReplicaSet(), goodDataVolume()]) {
    const { validation, patch } = await admit(app, object);
    assert.equal(
      validation.response.allowed,
      true,
      `${object.kind}: ${JSON.stringify(validation.response)}`,
    );
    if (object.kind === "DataVolume") assert.deepEqual(patch, []);
  }
  for (const name of ["dv-http", "dv-blank"]) {
    const { validation } = await admit(app, apiFixture(name));
    assert.equal(validation.response.allowed, true, `${name}: ${JSON.stringify(validation)}`);
  }
});

Deno.test("webhookApp() admits KubeVirt's containerDisk and DataVolume examples, forwarded ports too", async () => {
  for (const name of ["vm-cirros", "vmirs-cirros", "vm-fedora-datavolume"]) {
    const { validation } = await admit(app, apiFixture(name));
    assert.equal(validation.response.allowed, true, `${name}: ${JSON.stringify(validation)}`);
  }
});

/** A KubeVirt example without the `ports` of its interfaces. */
function withoutPorts(name: string): Record<string, unknown> {
  const vm = apiFixture(name) as ReturnType<typeof goodVm>;
  for (const iface of vm.spec.template.spec.domain.devices.interfaces) delete iface.ports;
  return vm;
}

Deno.test("webhookApp() mutation is idempotent: a second pass patches nothing", async () => {
  for (
    const object of [goodVm(), goodVmi(), goodReplicaSet(), withoutPorts("vm-fedora-datavolume")]
  ) {
    const { mutated } = await admit(app, object);
    const again = await call(app, `/${pluralFor(object)}/mutate`, reviewOf(mutated));
    assert.deepEqual(patchOf(again), [], String(object.kind));
  }
});

for (const bad of BAD_MANIFESTS) {
  Deno.test(`webhookApp() refuses ${bad.name}, naming ${bad.expect[0]}`, async () => {
    const { validation } = await admit(app, bad.object);
    const response = validation.response;
    assert.equal(response.allowed, false, `allowed: ${JSON.stringify(bad.object)}`);
    assert.equal(response.uid, "7f0b2d4c-1111-4e2a-9f00-000000000001");
    const message: string = response.status.message;
    assert.ok(message.includes(`${bad.expect[0]}:`), `no "${bad.expect[0]}:" in: ${message}`);
    for (const words of bad.expect.slice(1)) {
      assert.ok(message.includes(words), `no "${words}" in: ${message}`);
    }
    assert.equal(response.status.code, 422);
    assert.equal(response.status.reason, "Invalid");
    assert.ok(
      response.status.details.causes.some((c: { field: string }) => c.field === bad.expect[0]),
    );
  });
}

Deno.test("webhookApp() reports several mistakes of one object together", async () => {
  const vm = goodVm();
  const spec = vm.spec.template.spec;
  spec.domain.devices.disks[1].name = "data";
  spec.domain.devices.disks[0].floppy = {};
  spec.domain.devices.interfaces[0] = { name: "default", sriov: {} };
  const { validation } = await admit(app, vm);
  const message: string = validation.response.status.message;
  assert.ok(
    message.includes("spec.template.spec.domain.devices.disks[0].floppy: unknown field"),
    message,
  );
  assert.ok(
    message.includes(
      'spec.template.spec.domain.devices.disks[1].name: "data" has no matching volume',
    ),
    message,
  );
  assert.ok(
    message.includes(
      "spec.template.spec.domain.devices.interfaces[0].sriov: not supported by denovirt",
    ),
    message,
  );
  assert.equal(validation.response.status.details.causes.length >= 3, true);
});

Deno.test("webhookApp() shows ten causes and counts the rest, as KubeVirt does", async () => {
  const vm = goodVm();
  for (let i = 0; i < 12; i++) {
    vm.spec.template.spec.domain.devices.disks.push({ name: `missing-${i}` });
  }
  const { validation } = await admit(app, vm);
  assert.match(validation.response.status.message, /; and 2 more validation errors$/);
});

Deno.test("webhookApp() refuses every hostDisk when no directory is allowed, saying how to allow one", async () => {
  const strict = webhookApp({ lookups: fakeLookups() });
  const vm = goodVm();
  vm.spec.template.spec.volumes[0] = {
    name: "root",
    hostDisk: { path: `${ALLOWED_DIR}/root.img`, type: "Disk" },
  };
  delete vm.spec.dataVolumeTemplates;
  assert.equal((await admit(app, vm)).validation.response.allowed, true);
  const { validation } = await admit(strict, vm);
  assert.match(
    validation.response.status.message,
    /^spec\.template\.spec\.volumes\[0\]\.hostDisk\.path: hostDisk volumes are not allowed on this cluster: .*--allowed-hostdisk-dir=<dir>/,
  );
});

Deno.test("webhookApp() refuses changes to a VMI's spec except from denovirt's roles", async () => {
  const { mutated: stored } = await admit(app, goodVmi());
  const changed = structuredClone(stored) as ReturnType<typeof goodVmi>;
  changed.spec.domain.cpu.cores = 4;
  const byUser = await call(
    app,
    "/virtualmachineinstances/validate",
    reviewOf(changed, { operation: "UPDATE", oldObject: stored }),
  );
  assert.equal(byUser.response.allowed, false);
  assert.match(byUser.response.status.message, /^spec: update of VMI object is restricted/);
  const byController = await call(
    app,
    "/virtualmachineinstances/validate",
    reviewOf(changed, {
      operation: "UPDATE",
      oldObject: stored,
      username: DENOVIRT_SERVICE_ACCOUNTS[0],
    }),
  );
  assert.equal(byController.response.allowed, true);
  const relabelled = structuredClone(stored) as ReturnType<typeof goodVmi>;
  relabelled.metadata.labels.team = "blue";
  const labels = await call(
    app,
    "/virtualmachineinstances/validate",
    reviewOf(relabelled, { operation: "UPDATE", oldObject: stored }),
  );
  assert.equal(labels.response.allowed, true);
});

Deno.test("webhookApp() lets a stored VM's finalizers change even when its spec would no longer pass", async () => {
  const stored = goodVm();
  stored.spec.template.spec.volumes[0] = {
    name: "root",
    hostDisk: { path: "/elsewhere/root.img", type: "Disk" },
  };
  const updated = structuredClone(stored);
  updated.metadata.finalizers = [];
  const answer = await call(
    app,
    "/virtualmachines/validate",
    reviewOf(updated, { operation: "UPDATE", oldObject: stored }),
  );
  assert.equal(answer.response.allowed, true);
});

Deno.test("webhookApp() leaves defaults alone on an UPDATE that does not touch the spec", async () => {
  const stored = goodVm(); // as if created before the webhooks were registered: no defaults
  const relabelled = structuredClone(stored);
  relabelled.metadata.labels = { team: "blue" };
  const answer = await call(
    app,
    "/virtualmachines/mutate",
    reviewOf(relabelled, { operation: "UPDATE", oldObject: stored }),
  );
  assert.deepEqual(patchOf(answer), []);
});

Deno.test("webhookApp() converts a running patched onto a VM that has a runStrategy", async () => {
  const { mutated: stored } = await admit(app, goodVm());
  const patched = structuredClone(stored) as ReturnType<typeof goodVm>;
  patched.spec.running = false;
  const answer = await call(
    app,
    "/virtualmachines/mutate",
    reviewOf(patched, { operation: "UPDATE", oldObject: stored }),
  );
  const result = applyPatch(patched, patchOf(answer)) as ReturnType<typeof goodVm>;
  assert.equal(result.spec.runStrategy, "Halted");
  assert.equal(result.spec.running, undefined);
});

Deno.test("webhookApp() lets a stored migration change but its spec", async () => {
  const stored: Json = { ...goodMigration(), status: { phase: "Failed" } };
  const finalized = { ...stored, metadata: { ...stored.metadata, finalizers: [] } };
  const same = await call(
    app,
    "/virtualmachineinstancemigrations/validate",
    reviewOf(finalized, { operation: "UPDATE", oldObject: stored }),
  );
  assert.equal(same.response.allowed, true);
  const moved = { ...stored, spec: { vmiName: "other" } };
  const changed = await call(
    app,
    "/virtualmachineinstancemigrations/validate",
    reviewOf(moved, { operation: "UPDATE", oldObject: stored }),
  );
  assert.match(
    changed.response.status.message,
    /^spec: update of Migration object's spec is restricted/,
  );
});

Deno.test("webhookApp() refuses a review for another resource inside an AdmissionReview", async () => {
  const answer = await call(app, "/virtualmachines/validate", reviewOf(goodDataVolume()));
  assert.equal(answer.response.allowed, false);
  assert.equal(answer.response.status.code, 400);
  assert.match(
    answer.response.status.message,
    /admits virtualmachines\.kubevirt\.io, not datavolumes\.cdi\.kubevirt\.io/,
  );
});

Deno.test("webhookApp() allows DELETE reviews it was not registered for", async () => {
  const answer = await call(
    app,
    "/virtualmachines/validate",
    reviewOf(goodVm(), { operation: "DELETE" }),
  );
  assert.equal(answer.response.allowed, true);
});

Deno.test("webhookApp() answers 400 to bodies that are not AdmissionReviews", async () => {
  const bodies = [
    "",
    "not json",
    "[]",
    JSON.stringify({
      apiVersion: "admission.k8s.io/v1beta1",
      kind: "AdmissionReview",
      request: { uid: "x" },
    }),
    JSON.stringify({ apiVersion: "admission.k8s.io/v1", kind: "Pod" }),
    JSON.stringify({ apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview" }),
    JSON.stringify({
      apiVersion: "admission.k8s.io/v1",
      kind: "AdmissionReview",
      request: { operation: "CREATE" },
    }),
    JSON.stringify({
      apiVersion: "admission.k8s.io/v1",
      kind: "AdmissionReview",
      request: { uid: "u", operation: "EAT" },
    }),
  ];
  for (const body of bodies) {
    const response = await app.request("/virtualmachines/validate", post(body));
    assert.equal(response.status, 400, body);
    const status = await response.json();
    assert.equal(status.kind, "Status");
    assert.equal(status.code, 400);
  }
});

Deno.test("webhookApp() answers 413 to bodies over the limit", async () => {
  const small = webhookApp({ lookups: fakeLookups(), maxBodyBytes: 1024 });
  const review = reviewOf(goodVm());
  (review.request as Record<string, unknown>).padding = "x".repeat(2048);
  const response = await small.request("/virtualmachines/validate", post(review));
  assert.equal(response.status, 413);
  assert.equal((await response.json()).reason, "RequestEntityTooLarge");
  const big = await app.request(
    "/virtualmachines/mutate",
    post("[".repeat(10) + " ".repeat(5 * 1024 * 1024)),
  );
  assert.equal(big.status, 413);
});

Deno.test("webhookApp() answers 400 to JSON nested deeper than 100 levels, without parsing it", async () => {
  const review = reviewOf(goodVm()) as { request: { object: Record<string, unknown> } };
  let deep: unknown = "bottom";
  for (let i = 0; i < 100_000; i++) deep = [deep];
  review.request.object.deep = "PLACEHOLDER";
  const body = JSON.stringify(review).replace(
    '"PLACEHOLDER"',
    "[".repeat(100_000) + "]".repeat(100_000),
  );
  const response = await app.request("/virtualmachines/validate", post(body));
  assert.equal(response.status, 400);
  assert.match((await response.json()).message, /nests deeper than 100 levels/);
});

Deno.test("webhookApp() serves /healthz and /readyz, and 404 elsewhere", async () => {
  assert.equal(await (await app.request("/healthz")).text(), "ok");
  assert.equal((await app.request("/readyz")).status, 200);
  const notReady = webhookApp({
    lookups: fakeLookups(),
    notReadyReason: () => Promise.resolve("the API server is unreachable"),
  });
  const refused = await notReady.request("/readyz");
  assert.equal(refused.status, 503);
  assert.equal(await refused.text(), "not ready: the API server is unreachable");
  assert.equal((await app.request("/pods/validate", post("{}"))).status, 404);
});

function pluralFor(object: { kind?: string }): string {
  return {
    VirtualMachine: "virtualmachines",
    VirtualMachineInstance: "virtualmachineinstances",
    VirtualMachineInstanceReplicaSet: "virtualmachineinstancereplicasets",
  }[object.kind as string]!;
}
