import assert from "node:assert/strict";
import type { InstancetypeObject } from "./instancetype.ts";
import { matcherKind, matcherTarget, revisionFor } from "./instancetype_revision.ts";
import type { VirtualMachine } from "./virtual_machine.ts";

const vm = (spec: Partial<VirtualMachine["spec"]>): VirtualMachine => ({
  apiVersion: "kubevirt.io/v1",
  kind: "VirtualMachine",
  metadata: { name: "web", namespace: "ns", uid: "vm-uid" },
  spec: { template: { spec: { domain: { devices: {} } } }, ...spec },
});

const small: InstancetypeObject = {
  apiVersion: "instancetype.kubevirt.io/v1beta1",
  kind: "VirtualMachineClusterInstancetype",
  metadata: { name: "u1.small", uid: "it-uid", generation: 3, resourceVersion: "99" },
  spec: { cpu: { guest: 1 }, memory: { guest: "2Gi" } },
};

Deno.test("matcherKind() defaults to the cluster kinds and takes KubeVirt's other spellings", () => {
  assert.equal(matcherKind("instancetype", undefined), "VirtualMachineClusterInstancetype");
  assert.equal(matcherKind("preference", ""), "VirtualMachineClusterPreference");
  assert.equal(
    matcherKind("instancetype", "virtualmachineinstancetypes"),
    "VirtualMachineInstancetype",
  );
  assert.equal(matcherKind("preference", "VirtualMachinePreference"), "VirtualMachinePreference");
  assert.equal(matcherKind("preference", "VirtualMachineInstancetype"), undefined);
});

Deno.test("matcherTarget() says what a VM names, and whether it is cluster-wide", () => {
  assert.deepEqual(matcherTarget(vm({ instancetype: { name: "u1.small" } }), "instancetype"), {
    field: "instancetype",
    kind: "VirtualMachineClusterInstancetype",
    name: "u1.small",
    cluster: true,
  });
  const namespaced = vm({
    preference: { kind: "VirtualMachinePreference", name: "p", revisionName: "r" },
  });
  assert.deepEqual(matcherTarget(namespaced, "preference"), {
    field: "preference",
    kind: "VirtualMachinePreference",
    name: "p",
    cluster: false,
    revisionName: "r",
  });
  assert.equal(matcherTarget(vm({}), "instancetype"), undefined);
});

Deno.test("revisionFor() freezes the object's spec in a revision the VM owns, named as KubeVirt's", () => {
  const revision = revisionFor(vm({}), small);
  assert.equal(revision.metadata.name, "web-u1.small-v1beta1-it-uid-3");
  assert.equal(revision.metadata.namespace, "ns");
  assert.deepEqual(revision.metadata.ownerReferences?.map((r) => [r.kind, r.uid, r.controller]), [
    ["VirtualMachine", "vm-uid", true],
  ]);
  assert.equal(revision.metadata.labels?.["instancetype.kubevirt.io/object-generation"], "3");
  assert.deepEqual(revision.data.spec, small.spec);
  assert.notEqual(revision.data.spec, small.spec, "a copy, not the object's own spec");
  assert.equal(revision.data.metadata.resourceVersion, undefined);
});
