import assert from "node:assert/strict";
import { fieldPath } from "./errors.ts";
import { EACH } from "./refusals.ts";
import { refusalsOfVmiSpec } from "./runnable.ts";
import {
  refusedSpec,
  runnableSpec,
  UNSUPPORTED_CASES,
  UNUSABLE_CASES,
} from "./testdata/refusals.ts";
import { UNSUPPORTED_VMI_SPEC_FIELDS } from "./unsupported.ts";
import { unsupportedInDataVolumeSpec } from "./unsupported_kinds.ts";
import type { DataVolumeSpec } from "./data_volume.ts";
import type { VirtualMachineInstanceSpec } from "./vmi_spec.ts";

const pathsOf = (spec: unknown, offers = {}) =>
  refusalsOfVmiSpec(spec as VirtualMachineInstanceSpec, offers).map((r) => fieldPath(r.path));

Deno.test("refusalsOfVmiSpec() refuses nothing of a spec the agent runs", () => {
  assert.deepEqual(pathsOf(runnableSpec()), []);
});

for (const c of [...UNSUPPORTED_CASES, ...UNUSABLE_CASES]) {
  Deno.test(`refusalsOfVmiSpec() refuses ${c.name} at ${c.path}`, () => {
    const refusals = refusalsOfVmiSpec(refusedSpec(c) as VirtualMachineInstanceSpec);
    const found = refusals.find((r) => fieldPath(r.path) === c.path);
    assert.ok(found, `no refusal at ${c.path}: ${JSON.stringify(refusals)}`);
    assert.match(found.message, new RegExp(c.says.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
  });
}

Deno.test("refusalsOfVmiSpec() has a case for every entry of UNSUPPORTED_VMI_SPEC_FIELDS", () => {
  const refused = UNSUPPORTED_CASES.flatMap((c) =>
    refusalsOfVmiSpec(refusedSpec(c) as VirtualMachineInstanceSpec).map((r) => r.path)
  );
  for (const rule of UNSUPPORTED_VMI_SPEC_FIELDS) {
    const matches = (path: readonly (string | number)[]) =>
      path.length === rule.path.length &&
      rule.path.every((segment, i) =>
        segment === EACH ? typeof path[i] === "number" : segment === path[i]
      );
    assert.ok(refused.some(matches), `no case refuses ${rule.path.map(String).join(".")}`);
  }
});

Deno.test("refusalsOfVmiSpec() lets a node that offers host kernels or block volumes have them", () => {
  const spec = runnableSpec();
  spec.domain.devices.disks[0] = { name: "root", lun: {} };
  spec.domain.firmware = { kernelBoot: { container: { image: "k" } } };
  assert.deepEqual(pathsOf(spec), ["domain.firmware.kernelBoot", "domain.devices.disks[0].lun"]);
  assert.deepEqual(pathsOf(spec, { hostKernel: true, blockVolumes: true }), []);
});

Deno.test("refusalsOfVmiSpec() admits both pod-network bindings, masquerade ports and multi-queue NICs", () => {
  const spec = runnableSpec();
  spec.domain.devices.networkInterfaceMultiqueue = true;
  spec.domain.cpu.cores = 4;
  spec.domain.devices.interfaces[0].ports = [{ port: 80 }, { port: 53, protocol: "UDP" }];
  spec.networks[0].pod = { vmNetworkCIDR: "10.1.0.0/24", vmIPv6NetworkCIDR: "fd10:0:2::/120" };
  assert.deepEqual(pathsOf(spec), []);
  spec.domain.devices.interfaces[0] = { name: "default", bridge: {} };
  assert.deepEqual(pathsOf(spec), []);
});

Deno.test("unsupportedInDataVolumeSpec() allows http, registry, blank and pvc sources only", () => {
  const spec = {
    source: { s3: { url: "s3://b/k" } },
    sourceRef: { kind: "DataSource", name: "x" },
  } as unknown as DataVolumeSpec;
  assert.deepEqual(
    unsupportedInDataVolumeSpec(spec).map((r) => `${fieldPath(r.path)}: ${r.message}`),
    [
      "sourceRef: not supported by denovirt (no DataSources; give the source itself)",
      "source.s3: not supported by denovirt (supported sources: http, registry, blank, pvc)",
    ],
  );
  const registry = { source: { registry: { url: "docker://q.io/d:1" } } } as DataVolumeSpec;
  assert.deepEqual(unsupportedInDataVolumeSpec(registry), []);
});

Deno.test("unsupportedInDataVolumeSpec() refuses image streams and architectures but amd64", () => {
  const cases: Array<[object, string[]]> = [
    [{ url: "docker://q.io/d:1", platform: { architecture: "amd64" } }, []],
    [{ url: "docker://q.io/d:1", platform: {} }, []],
    [{ url: "docker://q.io/d:1", pullMethod: "node" }, []],
    [
      { url: "docker://q.io/d:1", platform: { architecture: "arm64" } },
      ["source.registry.platform.architecture: not supported by denovirt (amd64 images only)"],
    ],
    [
      { imageStream: "fedora", pullMethod: "node" },
      [
        "source.registry.imageStream: not supported by denovirt (image streams are OpenShift's; " +
        "give the image's docker:// url)",
      ],
    ],
  ];
  for (const [registry, expected] of cases) {
    const spec = { source: { registry } } as unknown as DataVolumeSpec;
    assert.deepEqual(
      unsupportedInDataVolumeSpec(spec).map((r) => `${fieldPath(r.path)}: ${r.message}`),
      expected,
      JSON.stringify(registry),
    );
  }
});
