import assert from "node:assert/strict";
import type { InstancetypeSpec, PreferenceSpec } from "./instancetype.ts";
import { conflictMessage, expandInstancetype, guestTopology } from "./instancetype_apply.ts";
import { unmetRequirements } from "./preference_requirements.ts";
import type { VirtualMachineInstanceSpec } from "./vmi_spec.ts";

const small: InstancetypeSpec = { cpu: { guest: 1 }, memory: { guest: "2Gi" } };
const large: InstancetypeSpec = { cpu: { guest: 4, model: "Haswell" }, memory: { guest: "8Gi" } };
const bare = (): VirtualMachineInstanceSpec => ({
  domain: { devices: { disks: [{ name: "root" }], interfaces: [{ name: "default" }] } },
});

Deno.test("expandInstancetype() gives the VMI the instance type's CPUs and memory", () => {
  const { spec, conflicts } = expandInstancetype(bare(), undefined, large, undefined);
  assert.deepEqual(conflicts, []);
  assert.deepEqual(spec.domain.cpu, { model: "Haswell", sockets: 4, cores: 1, threads: 1 });
  assert.deepEqual(spec.domain.memory, { guest: "8Gi" });
});

Deno.test("expandInstancetype() names every template field the instance type also sets", () => {
  const template = bare();
  template.domain.cpu = { sockets: 2, model: "host-passthrough" };
  template.domain.memory = { guest: "1Gi" };
  template.domain.resources = { requests: { cpu: "1" } };
  template.nodeSelector = { a: "b" };
  const withSelector = { ...large, nodeSelector: { x: "y" } };
  const { conflicts } = expandInstancetype(template, undefined, withSelector, undefined);
  assert.deepEqual(conflicts.map((p) => p.join(".")), [
    "spec.domain.resources.requests.cpu",
    "spec.domain.cpu.sockets",
    "spec.domain.cpu.model",
    "spec.domain.memory.guest",
    "spec.nodeSelector",
  ]);
  assert.deepEqual(
    conflictMessage("spec.template.spec.domain.cpu.sockets"),
    "VM field(s) spec.template.spec.domain.cpu.sockets conflicts with selected instance type",
  );
});

Deno.test("expandInstancetype() leaves the template it is given unchanged", () => {
  const template = bare();
  const before = structuredClone(template);
  expandInstancetype(template, {}, large, { devices: { preferredDiskBus: "virtio" } });
  assert.deepEqual(template, before);
});

Deno.test("expandInstancetype() requests less memory than the guest sees when overcommitted", () => {
  const overcommitted = { ...small, memory: { guest: "2Gi", overcommitPercent: 25 } };
  const { spec } = expandInstancetype(bare(), undefined, overcommitted, undefined);
  assert.deepEqual(spec.domain.memory?.guest, "2Gi");
  assert.deepEqual(spec.domain.resources?.requests?.memory, "1536Mi");
});

Deno.test("expandInstancetype() refuses a template annotation the instance type sets otherwise", () => {
  const annotated = { ...small, annotations: { team: "a", tier: "gold" } };
  const clash = expandInstancetype(bare(), { team: "b" }, annotated, undefined);
  assert.deepEqual(clash.conflicts, [["metadata", "annotations", "team"]]);
  const same = expandInstancetype(bare(), { team: "a" }, annotated, undefined);
  assert.deepEqual(same.annotations, { team: "a", tier: "gold" });
});

Deno.test("guestTopology() lays vCPUs out as the preference asks", () => {
  const cases: [number, PreferenceSpec | undefined, [number, number, number]][] = [
    [1, { cpu: { preferredCPUTopology: "cores" } }, [1, 1, 1]],
    [4, undefined, [4, 1, 1]],
    [4, { cpu: { preferredCPUTopology: "preferCores" } }, [1, 4, 1]],
    [4, { cpu: { preferredCPUTopology: "threads" } }, [1, 1, 4]],
    [8, { cpu: { preferredCPUTopology: "spread" } }, [4, 2, 1]],
    [8, { cpu: { preferredCPUTopology: "spread", spreadOptions: { ratio: 4 } } }, [2, 4, 1]],
    [8, {
      cpu: { preferredCPUTopology: "spread", spreadOptions: { across: "CoresThreads" } },
    }, [1, 4, 2]],
    [8, {
      cpu: { preferredCPUTopology: "spread", spreadOptions: { across: "SocketsCoresThreads" } },
    }, [2, 2, 2]],
  ];
  for (const [vcpus, preference, [sockets, cores, threads]] of cases) {
    assert.deepEqual(guestTopology(vcpus, preference), { sockets, cores, threads });
  }
});

Deno.test("expandInstancetype() fills only what the template leaves unset from the preference", () => {
  const template = bare();
  template.domain.devices.disks!.push({ name: "data", disk: { bus: "sata" } });
  template.domain.machine = { type: "pc-q35-9.0" };
  const preference: PreferenceSpec = {
    devices: { preferredDiskBus: "virtio", preferredInterfaceModel: "e1000e", preferredRng: {} },
    firmware: { preferredUseEfi: true, preferredUseSecureBoot: false },
    machine: { preferredMachineType: "q35" },
    features: { preferredSmm: { enabled: true } },
    preferredTerminationGracePeriodSeconds: 5,
    annotations: { os: "linux" },
  };
  const { spec, annotations } = expandInstancetype(template, { os: "bsd" }, small, preference);
  assert.deepEqual(spec.domain.devices.disks, [
    { name: "root", disk: { bus: "virtio" } },
    { name: "data", disk: { bus: "sata" } },
  ]);
  assert.deepEqual(spec.domain.devices.interfaces, [{ name: "default", model: "e1000e" }]);
  assert.deepEqual(spec.domain.devices.rng, {});
  assert.deepEqual(spec.domain.firmware, { bootloader: { efi: { secureBoot: false } } });
  assert.deepEqual(spec.domain.machine, { type: "pc-q35-9.0" });
  assert.deepEqual(spec.domain.features, { smm: { enabled: true } });
  assert.deepEqual(spec.terminationGracePeriodSeconds, 5);
  assert.deepEqual(annotations, { os: "bsd" });
});

Deno.test("unmetRequirements() names what the instance type or the VM lacks", () => {
  const needs: PreferenceSpec = { requirements: { cpu: { guest: 2 }, memory: { guest: "4Gi" } } };
  assert.deepEqual(unmetRequirements(needs, small, bare()).map((u) => u.message), [
    "insufficient CPU resources of 1 vCPU provided by instance type, preference requires 2 vCPU",
    "insufficient Memory resources of 2Gi provided by instance type, preference requires 4Gi",
  ]);
  assert.deepEqual(unmetRequirements(needs, large, bare()), []);
  const template = bare();
  template.domain.cpu = { cores: 2 };
  template.domain.memory = { guest: "4Gi" };
  assert.deepEqual(unmetRequirements(needs, undefined, template), []);
});
