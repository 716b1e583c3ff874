import assert from "node:assert/strict";
import { benchVm, createReview, FAKE_NODE_LABEL, refusedVm } from "./vm_manifest.ts";

Deno.test("benchVm() is a small VM booting a raw hostDisk over virtio, without graphics", () => {
  const vm = benchVm("a", { memory: "96Mi", diskPath: "/d/a.raw" });
  const spec = vm.spec.template.spec!;
  assert.equal(vm.spec.runStrategy, "Always");
  assert.equal(spec.domain.resources?.requests?.memory, "96Mi");
  assert.equal(spec.domain.devices.autoattachGraphicsDevice, false);
  assert.deepEqual(spec.domain.devices.disks, [{ name: "rootdisk", disk: { bus: "virtio" } }]);
  assert.deepEqual(spec.volumes?.[0]?.hostDisk, { path: "/d/a.raw", type: "Disk" });
  assert.equal(spec.nodeSelector, undefined);
  const scaled = benchVm("b", {
    memory: "96Mi",
    diskPath: "/d",
    nodeSelector: { [FAKE_NODE_LABEL]: "true" },
  });
  assert.deepEqual(scaled.spec.template.spec?.nodeSelector, { [FAKE_NODE_LABEL]: "true" });
});

Deno.test("refusedVm() names a hostDisk outside any allowed directory", () => {
  const vm = refusedVm("r");
  assert.match(vm.spec.template.spec?.volumes?.[0]?.hostDisk?.path ?? "", /^\/etc\//);
});

Deno.test("createReview() wraps the object in a CREATE AdmissionReview in the namespace", () => {
  const review = createReview(benchVm("a", { memory: "96Mi", diskPath: "/d" }), "ns", "u-1");
  assert.equal(review.kind, "AdmissionReview");
  assert.equal(review.request.uid, "u-1");
  assert.equal(review.request.operation, "CREATE");
  assert.equal(review.request.namespace, "ns");
  assert.equal(review.request.object.metadata?.namespace, "ns");
  assert.equal(review.request.resource.resource, "virtualmachines");
});
