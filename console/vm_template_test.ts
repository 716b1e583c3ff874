import assert from "node:assert/strict";
import { userDataOf, vmFromForm } from "./web/vm_template.js";

const form = {
  name: "web",
  namespace: "ns",
  source: "registry:5000/img:1",
  cpu: "2",
  memory: "1Gi",
};

Deno.test("vmFromForm() makes a containerDisk VM with the form's CPU, memory and a cloud-init disk", () => {
  const vm = vmFromForm(form);
  assert.deepEqual(vm.metadata, { name: "web", namespace: "ns" });
  assert.equal(vm.spec.runStrategy, "Always");
  assert.equal(vm.spec.dataVolumeTemplates, undefined);
  const spec = vm.spec.template.spec;
  assert.deepEqual(spec.domain.cpu, { cores: 2 });
  assert.deepEqual(spec.domain.memory, { guest: "1Gi" });
  assert.deepEqual(spec.volumes[0], {
    name: "rootdisk",
    containerDisk: { image: "registry:5000/img:1" },
  });
  assert.equal(spec.volumes[1].cloudInitNoCloud.userData, "#cloud-config\nhostname: web\n");
  assert.deepEqual(
    spec.domain.devices.disks.map((d: { name: string }) => d.name),
    spec.volumes.map((v: { name: string }) => v.name),
  );
});

Deno.test("vmFromForm() imports an http(s) URL through a DataVolume template", () => {
  const vm = vmFromForm({ ...form, source: " https://example.test/disk.qcow2 " });
  assert.deepEqual(vm.spec.template.spec.volumes[0], {
    name: "rootdisk",
    dataVolume: { name: "web-rootdisk" },
  });
  assert.deepEqual(vm.spec.dataVolumeTemplates[0].spec.source, {
    http: { url: "https://example.test/disk.qcow2" },
  });
});

Deno.test("userDataOf() adds the SSH key to #cloud-config and refuses it beside a script", () => {
  assert.equal(
    userDataOf("web", "#cloud-config\npassword: x", "ssh-ed25519 AAAA me"),
    '#cloud-config\npassword: x\nssh_authorized_keys:\n  - "ssh-ed25519 AAAA me"\n',
  );
  assert.equal(userDataOf("web", "#!/bin/sh\necho hi\n", ""), "#!/bin/sh\necho hi\n");
  assert.throws(() => userDataOf("web", "#!/bin/sh\n", "ssh-ed25519 AAAA"), /needs #cloud-config/);
});
