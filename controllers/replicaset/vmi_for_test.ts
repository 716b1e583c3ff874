import assert from "node:assert/strict";
import { RS_UID, rsFixture, vmiFixture } from "./testdata/fixtures.ts";
import { baseNameOf, isControlledBy, vmiFor } from "./vmi_for.ts";

Deno.test("vmiFor() makes a VMI of the template, named by the API server after the replica set", () => {
  const rs = rsFixture();
  const vmi = vmiFor(rs);
  assert.equal(vmi.metadata.name, undefined);
  assert.equal(vmi.metadata.generateName, "web");
  assert.equal(vmi.metadata.namespace, "default");
  assert.deepEqual(vmi.metadata.labels, { app: "web", tier: "front" });
  assert.deepEqual(vmi.metadata.annotations, { "example.com/note": "from the template" });
  assert.deepEqual(vmi.metadata.ownerReferences, [{
    apiVersion: "kubevirt.io/v1",
    kind: "VirtualMachineInstanceReplicaSet",
    name: "web",
    uid: RS_UID,
    controller: true,
    blockOwnerDeletion: true,
  }]);
  assert.deepEqual(vmi.metadata.finalizers, ["foregroundDeleteVirtualMachine"]);
  assert.deepEqual(vmi.spec, rs.spec.template.spec);
  // A copy: the cached replica set is never edited through its VMI.
  vmi.metadata.labels!.app = "changed";
  vmi.spec.domain.devices.disks![0]!.name = "changed";
  assert.equal(rs.spec.template.metadata!.labels!.app, "web");
  assert.equal(rs.spec.template.spec.domain.devices.disks![0]!.name, "root");
});

Deno.test("baseNameOf() prefers the template's name, then its generateName, then the replica set's", () => {
  assert.equal(baseNameOf(rsFixture()), "web");
  assert.equal(
    baseNameOf(rsFixture((rs) => (rs.spec.template.metadata!.generateName = "g-"))),
    "g-",
  );
  assert.equal(
    baseNameOf(rsFixture((rs) => {
      rs.spec.template.metadata!.generateName = "g-";
      rs.spec.template.metadata!.name = "t";
    })),
    "t",
  );
});

Deno.test("isControlledBy() needs the replica set's UID in a controller reference", () => {
  const rs = rsFixture();
  assert.equal(isControlledBy(vmiFixture("a"), rs), true);
  assert.equal(isControlledBy(vmiFixture("a", { owner: "none" }), rs), false);
  assert.equal(isControlledBy(vmiFixture("a", { owner: "another-uid" }), rs), false);
});
