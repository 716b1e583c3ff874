import assert from "node:assert/strict";
import type { DataVolumeSpec, VirtualMachineInstanceSpec } from "../../api/mod.ts";
import { runnableSpec } from "../../api/testdata/refusals.ts";
import { refusedInDataVolumeSpec, refusedInVmiSpec } from "./unsupported.ts";

Deno.test("refusedInVmiSpec() names each refused field below the base, with its cause type", () => {
  const spec = runnableSpec();
  spec.domain.devices.hostDevices = [{ name: "x" }];
  spec.domain.devices.gpus = [];
  spec.domain.cpu.dedicatedCpuPlacement = false;
  spec.domain.devices.disks[0] = { name: "root", cdrom: { bus: "virtio" } };
  spec.volumes.push({ name: "scratch", ephemeral: {} });
  const causes = refusedInVmiSpec(spec as VirtualMachineInstanceSpec, ["spec", "template", "spec"]);
  assert.deepEqual(causes.map((c) => [c.field, c.type]), [
    ["spec.template.spec.domain.devices.hostDevices", "FieldValueNotSupported"],
    ["spec.template.spec.domain.devices.disks[0].cdrom.bus", "FieldValueInvalid"],
    ["spec.template.spec.volumes[1].ephemeral.persistentVolumeClaim", "FieldValueRequired"],
  ]);
  assert.equal(
    causes[0]?.message,
    "not supported by denovirt (no device passthrough)",
  );
});

Deno.test("refusedInDataVolumeSpec() names refused sources below the base", () => {
  const spec = { source: { gcs: { url: "gs://b/disk.img" } } } as unknown as DataVolumeSpec;
  assert.deepEqual(refusedInDataVolumeSpec(spec, ["spec", "dataVolumeTemplates", 0, "spec"]), [{
    field: "spec.dataVolumeTemplates[0].spec.source.gcs",
    message: "not supported by denovirt (supported sources: http, registry, blank, pvc)",
    type: "FieldValueNotSupported",
  }]);
});
