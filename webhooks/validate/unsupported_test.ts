import assert from "node:assert/strict";
import type { DataVolumeSpec, VirtualMachineInstanceSpec } from "../../api/mod.ts";
import { unsupportedInDataVolumeSpec, unsupportedInVmiSpec } from "./unsupported.ts";

Deno.test("unsupportedInVmiSpec() names every feature denovirt cannot honour, and only those", () => {
  const spec = {
    domain: {
      cpu: { dedicatedCpuPlacement: false, isolateEmulatorThread: true },
      memory: { hugepages: { pageSize: "2Mi" } },
      devices: {
        gpus: [],
        hostDevices: [{ name: "x" }],
        interfaces: [{ name: "a", passt: {} }, { name: "b", bridge: {} }],
      },
    },
    networks: [{ name: "a", resourceClaim: {} }, { name: "b", multus: { networkName: "n" } }],
    volumes: [{ name: "s", secret: { secretName: "x" } }, {
      name: "c",
      containerDisk: { image: "i" },
    }],
  } as unknown as VirtualMachineInstanceSpec;
  assert.deepEqual(unsupportedInVmiSpec(spec, ["spec"]).map((c) => c.field), [
    "spec.domain.devices.hostDevices",
    "spec.domain.cpu.isolateEmulatorThread",
    "spec.domain.memory.hugepages",
    "spec.volumes[0].secret",
    "spec.domain.devices.interfaces[0].passt",
    "spec.networks[0].resourceClaim",
  ]);
});

Deno.test("unsupportedInDataVolumeSpec() allows http, blank and pvc sources only", () => {
  const spec = {
    source: { s3: { url: "s3://b/k" } },
    sourceRef: { kind: "DataSource", name: "x" },
  } as unknown as DataVolumeSpec;
  assert.deepEqual(
    unsupportedInDataVolumeSpec(spec, ["spec"]).map((c) => `${c.field}: ${c.message}`),
    [
      "spec.sourceRef: not supported by denovirt (no DataSources; give the source itself)",
      "spec.source.s3: not supported by denovirt (supported sources: http, blank, pvc)",
    ],
  );
});
