import assert from "node:assert/strict";
import type { VirtualMachineInstanceSpec } from "../../api/mod.ts";
import {
  defaultVmiSpec,
  setDefaultCpuTopology,
  setDefaultDiskDevices,
  setDefaultGuestMemory,
  setDefaultNetwork,
  setDefaultPullPolicies,
  setDefaultResourceRequests,
  setDefaultVolumeDisks,
} from "./vmi_spec.ts";

const spec = (
  domain: Partial<VirtualMachineInstanceSpec["domain"]> = {},
  rest: Partial<VirtualMachineInstanceSpec> = {},
) => ({ domain: { devices: {}, ...domain }, ...rest }) as VirtualMachineInstanceSpec;

Deno.test("setDefaultResourceRequests() takes requests from limits, then memory from the guest", () => {
  const s = spec({ resources: { limits: { cpu: "2", memory: "1Gi" } } });
  setDefaultResourceRequests(s);
  assert.deepEqual(s.domain.resources?.requests, { cpu: "2", memory: "1Gi" });
  const guest = spec({ memory: { guest: "512Mi" } });
  setDefaultResourceRequests(guest);
  assert.deepEqual(guest.domain.resources, { requests: { memory: "512Mi" } });
  const none = spec();
  setDefaultResourceRequests(none);
  assert.equal(none.domain.resources, undefined);
});

Deno.test("setDefaultGuestMemory() takes the request, else the limit", () => {
  const s = spec({ resources: { requests: { memory: "128Mi" }, limits: { memory: "1Gi" } } });
  setDefaultGuestMemory(s);
  assert.deepEqual(s.domain.memory, { guest: "128Mi" });
  const l = spec({ resources: { limits: { memory: 1073741824 } } });
  setDefaultGuestMemory(l);
  assert.deepEqual(l.domain.memory, { guest: 1073741824 });
  const kept = spec({ memory: { guest: "2Gi" }, resources: { requests: { memory: "1Gi" } } });
  setDefaultGuestMemory(kept);
  assert.deepEqual(kept.domain.memory, { guest: "2Gi" });
});

Deno.test("setDefaultCpuTopology() puts the CPU count in sockets, only when no topology is given", () => {
  const s = spec({ resources: { requests: { cpu: "1500m" } } });
  setDefaultCpuTopology(s);
  assert.deepEqual(s.domain.cpu, { sockets: 2, cores: 1, threads: 1 });
  const limited = spec({ resources: { requests: { cpu: "1" }, limits: { cpu: "4" } } });
  setDefaultCpuTopology(limited);
  assert.equal(limited.domain.cpu?.sockets, 4);
  const given = spec({ cpu: { cores: 2 } });
  setDefaultCpuTopology(given);
  assert.deepEqual(given.domain.cpu, { cores: 2 });
  const bare = spec();
  setDefaultCpuTopology(bare);
  assert.deepEqual(bare.domain.cpu, { sockets: 1, cores: 1, threads: 1 });
});

Deno.test("setDefaultNetwork() adds the masquerade pod network only when nothing is given", () => {
  const s = spec();
  setDefaultNetwork(s);
  assert.deepEqual(s.domain.devices.interfaces, [{ name: "default", masquerade: {} }]);
  assert.deepEqual(s.networks, [{ name: "default", pod: {} }]);
  const off = spec({ devices: { autoattachPodInterface: false } });
  setDefaultNetwork(off);
  assert.equal(off.networks, undefined);
  const given = spec({}, { networks: [{ name: "n", multus: { networkName: "br" } }] });
  setDefaultNetwork(given);
  assert.equal(given.domain.devices.interfaces, undefined);
});

Deno.test("setDefaultVolumeDisks() gives every volume without a disk or filesystem a disk", () => {
  const s = spec(
    { devices: { disks: [{ name: "a", cdrom: {} }], filesystems: [{ name: "fs" }] } },
    {
      volumes: [
        { name: "a", emptyDisk: { capacity: "1Gi" } },
        { name: "b", emptyDisk: { capacity: "1Gi" } },
        { name: "fs", persistentVolumeClaim: { claimName: "x" } },
      ],
    },
  );
  setDefaultVolumeDisks(s);
  assert.deepEqual(s.domain.devices.disks, [{ name: "a", cdrom: {} }, { name: "b" }]);
});

Deno.test("setDefaultDiskDevices() makes bare disks sata disks and cdroms read-only and closed", () => {
  const s = spec({
    devices: {
      disks: [{ name: "a" }, { name: "b", cdrom: { bus: "scsi" } }, { name: "c", lun: {} }, {
        name: "d",
        disk: { bus: "virtio" },
      }],
    },
  });
  setDefaultDiskDevices(s);
  assert.deepEqual(s.domain.devices.disks, [
    { name: "a", disk: { bus: "sata" } },
    { name: "b", cdrom: { bus: "scsi", readonly: true, tray: "closed" } },
    { name: "c", lun: { bus: "sata" } },
    { name: "d", disk: { bus: "virtio" } },
  ]);
});

Deno.test("setDefaultPullPolicies() pulls floating tags always and pinned ones if not present", () => {
  const s = spec({}, {
    volumes: [
      { name: "a", containerDisk: { image: "quay.io/x/y:latest" } },
      { name: "b", containerDisk: { image: "quay.io/x/y" } },
      { name: "c", containerDisk: { image: "quay.io/x/y:v1" } },
      { name: "d", containerDisk: { image: "quay.io/x/y@sha256:abc" } },
      { name: "e", containerDisk: { image: "quay.io/x/y", imagePullPolicy: "Never" } },
    ],
  });
  setDefaultPullPolicies(s);
  assert.deepEqual(s.volumes!.map((v) => v.containerDisk?.imagePullPolicy), [
    "Always",
    "Always",
    "IfNotPresent",
    "IfNotPresent",
    "Never",
  ]);
});

Deno.test("defaultVmiSpec() fills machine, CPU model, features, watchdog and UUID, and keeps what is set", () => {
  const s = spec({
    machine: { type: "" },
    features: {
      acpi: {},
      smm: { enabled: false },
      hyperv: { spinlocks: {}, synictimer: { direct: {} } },
    },
    devices: { watchdog: { name: "w" }, inputs: [{ name: "tablet", type: "tablet" }] },
    firmware: { serial: "abc" },
  });
  defaultVmiSpec(s, { firmwareUuid: "u" });
  assert.deepEqual(s.domain.machine, { type: "q35" });
  assert.equal(s.domain.cpu?.model, "host-model");
  assert.deepEqual(s.domain.features, {
    acpi: { enabled: true },
    smm: { enabled: false },
    hyperv: {
      spinlocks: { enabled: true, spinlocks: 4096 },
      synictimer: { enabled: true, direct: { enabled: true } },
    },
  });
  assert.deepEqual(s.domain.devices.watchdog, { name: "w", i6300esb: { action: "reset" } });
  assert.deepEqual(s.domain.devices.inputs, [{ name: "tablet", type: "tablet", bus: "usb" }]);
  assert.deepEqual(s.domain.firmware, { serial: "abc", uuid: "u" });
  const kept = spec({ firmware: { uuid: "mine" } });
  defaultVmiSpec(kept, { firmwareUuid: "u" });
  assert.equal(kept.domain.firmware?.uuid, "mine");
});
