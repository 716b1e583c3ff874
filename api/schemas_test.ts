import assert from "node:assert/strict";
import YAML from "yaml";
import type { z } from "zod";
import {
  DataVolumeSchema,
  validate,
  VirtualMachineInstanceMigrationSchema,
  VirtualMachineInstanceReplicaSetSchema,
  VirtualMachineInstanceSchema,
  VirtualMachineSchema,
} from "./mod.ts";

// deno-lint-ignore no-explicit-any
type Loose = any;

function fixture(name: string): Loose {
  return YAML.parse(Deno.readTextFileSync(new URL(`./testdata/${name}`, import.meta.url)));
}

function accepts<S extends z.ZodType>(schema: S, name: string): z.infer<S> {
  const result = validate(schema, fixture(name));
  assert.ok(result.ok, `${name}: ${result.ok ? "" : result.message}`);
  return result.value;
}

function refuses(schema: z.ZodType, value: unknown): string[] {
  const result = validate(schema, value);
  assert.equal(result.ok, false, "expected the object to be refused");
  return result.ok ? [] : result.errors;
}

Deno.test("VirtualMachineSchema accepts KubeVirt's vm-cirros example", () => {
  const vm = accepts(VirtualMachineSchema, "vm-cirros.yaml");
  assert.equal(vm.spec.runStrategy, "Halted");
  const volumes = vm.spec.template.spec.volumes ?? [];
  assert.equal(
    volumes[0]?.containerDisk?.image,
    "quay.io/kubevirt/cirros-container-disk-demo:latest",
  );
  assert.match(volumes[1]?.cloudInitNoCloud?.userData ?? "", /printed from cloud-init/);
});

Deno.test("VirtualMachineSchema accepts a VM with a DataVolume template and masquerade", () => {
  const vm = accepts(VirtualMachineSchema, "vm-fedora-datavolume.yaml");
  assert.equal(vm.spec.running, true);
  assert.equal(vm.spec.dataVolumeTemplates?.[0]?.spec.storage?.resources?.requests?.storage, "6Gi");
  const spec = vm.spec.template.spec;
  assert.deepEqual(spec.domain.devices.interfaces?.[0]?.masquerade, {});
  assert.equal(spec.domain.firmware?.bootloader?.efi?.secureBoot, false);
  assert.ok(spec.affinity?.podAntiAffinity, "affinity is kept as it is");
});

Deno.test("VirtualMachineInstanceSchema accepts a running VMI with its status", () => {
  const vmi = accepts(VirtualMachineInstanceSchema, "vmi-fedora.yaml");
  assert.equal(vmi.status?.phase, "Running");
  assert.equal(vmi.status?.interfaces?.[0]?.ipAddress, "10.244.0.23");
  assert.equal(vmi.spec.domain.resources?.limits?.memory, 1073741824);
  assert.equal(vmi.status?.conditions?.[0]?.lastProbeTime, undefined, "nulls count as unset");
});

Deno.test("DataVolumeSchema accepts http (with checksum) and blank sources", () => {
  const dv = accepts(DataVolumeSchema, "dv-http.yaml");
  assert.match(dv.spec.source?.http?.checksum ?? "", /^sha256:/);
  assert.equal(dv.status?.progress, "45.20%");
  const blank = accepts(DataVolumeSchema, "dv-blank.yaml");
  assert.deepEqual(blank.spec.source?.blank, {});
});

Deno.test("migration and replica set schemas accept KubeVirt's examples", () => {
  const vmim = accepts(VirtualMachineInstanceMigrationSchema, "vmim.yaml");
  assert.equal(vmim.spec.vmiName, "vmi-fedora");
  const rs = accepts(VirtualMachineInstanceReplicaSetSchema, "vmirs-cirros.yaml");
  assert.equal(rs.spec.replicas, 2);
  assert.deepEqual(rs.spec.template.spec.domain.devices.disks?.[0], { name: "containerdisk" });
});

Deno.test("kubevirt.io/v1alpha3 objects are accepted too", () => {
  const vm = { ...fixture("vm-cirros.yaml"), apiVersion: "kubevirt.io/v1alpha3" };
  assert.ok(validate(VirtualMachineSchema, vm).ok);
});

function cirrosWith(edit: (spec: Loose) => void): Loose {
  const vm = fixture("vm-cirros.yaml");
  edit(vm.spec);
  return vm;
}

Deno.test("an unknown field is refused with its path", () => {
  const errors = refuses(
    VirtualMachineSchema,
    cirrosWith((spec) => {
      spec.template.spec.domain.devices.disks[1].floppy = {};
    }),
  );
  assert.deepEqual(errors, ["spec.template.spec.domain.devices.disks[1].floppy: unknown field"]);
});

Deno.test("several problems are reported together, each with its path", () => {
  const errors = refuses(
    VirtualMachineSchema,
    cirrosWith((spec) => {
      spec.runStrategy = "Sometimes";
      delete spec.template.spec.domain.devices.disks[1].name;
      spec.template.spec.domain.resources.requests.memory = "128MB";
      spec.template.spec.domain.cpu = { cores: 0, sockts: 2 };
    }),
  );
  assert.deepEqual(errors.toSorted(), [
    'spec.runStrategy: Unsupported value: "Sometimes": supported values: "Always", "Halted", ' +
    '"Manual", "RerunOnFailure", "Once", "WaitAsReceiver"',
    "spec.template.spec.domain.cpu.cores: must be at least 1",
    "spec.template.spec.domain.cpu.sockts: unknown field",
    "spec.template.spec.domain.devices.disks[1].name: Required value",
    "spec.template.spec.domain.resources.requests.memory: must be a Kubernetes quantity " +
    "such as 1Gi, 512Mi or 500m",
  ]);
});

Deno.test("a volume must have exactly one source", () => {
  const two = refuses(
    VirtualMachineSchema,
    cirrosWith((spec) => {
      spec.template.spec.volumes[0].emptyDisk = { capacity: "1Gi" };
    }),
  );
  assert.deepEqual(two, [
    "spec.template.spec.volumes[0]: must set only one volume source, found containerDisk and emptyDisk",
  ]);
  const none = refuses(
    VirtualMachineSchema,
    cirrosWith((spec) => {
      spec.template.spec.volumes[1] = { name: "cloudinitdisk" };
    }),
  );
  assert.match(none[0] ?? "", /^spec\.template\.spec\.volumes\[1\]: must set one volume source/);
});

Deno.test("a disk and an interface take at most one device kind and binding", () => {
  const errors = refuses(
    VirtualMachineSchema,
    cirrosWith((spec) => {
      spec.template.spec.domain.devices.disks[0].cdrom = {};
      spec.template.spec.domain.devices.interfaces = [
        { name: "default", bridge: {}, masquerade: {} },
      ];
    }),
  );
  assert.deepEqual(errors.toSorted(), [
    "spec.template.spec.domain.devices.disks[0]: must set only one disk device, found disk and cdrom",
    "spec.template.spec.domain.devices.interfaces[0]: must set only one interface binding, " +
    "found bridge and masquerade",
  ]);
});

Deno.test("running and runStrategy together are refused", () => {
  const errors = refuses(VirtualMachineSchema, cirrosWith((spec) => (spec.running = false)));
  assert.deepEqual(errors, [
    "spec.running: must not be set together with runStrategy (running is deprecated)",
  ]);
});

Deno.test("a wrong kind or a missing template is refused", () => {
  const errors = refuses(VirtualMachineSchema, {
    apiVersion: "kubevirt.io/v1",
    kind: "VirtualMachineInstance",
    metadata: { name: "x" },
    spec: { runStrategy: "Always" },
  });
  assert.deepEqual(errors, [
    'kind: Invalid value: "VirtualMachineInstance": must be "VirtualMachine"',
    "spec.template: Required value",
  ]);
});

Deno.test("DataVolumeSchema refuses a bad checksum and a missing source", () => {
  const dv = fixture("dv-http.yaml");
  dv.spec.source.http.checksum = "sha3:abc";
  assert.deepEqual(refuses(DataVolumeSchema, dv), [
    "spec.source.http.checksum: must be <algorithm>:<hex digest> with algorithm md5, sha1, " +
    "sha256 or sha512",
  ]);
  const blank = fixture("dv-blank.yaml");
  delete blank.spec.source;
  assert.match(refuses(DataVolumeSchema, blank)[0] ?? "", /^spec: must set one data source/);
});

Deno.test("metadata and status keep fields the schema does not name", () => {
  const vmi = fixture("vmi-fedora.yaml");
  vmi.metadata.someFutureField = "kept";
  vmi.status.someKubeVirtField = { a: 1 };
  const result = validate(VirtualMachineInstanceSchema, vmi);
  assert.ok(result.ok);
  assert.equal((result.value.metadata as Record<string, unknown>).someFutureField, "kept");
});
