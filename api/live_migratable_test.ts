import assert from "node:assert/strict";
import { liveMigratabilityOf, type MigratableInputs } from "./live_migratable.ts";
import type { VirtualMachineInstance } from "./virtual_machine_instance.ts";

type Spec = VirtualMachineInstance["spec"];

function vmi(spec: Partial<Spec>, annotations?: Record<string, string>): VirtualMachineInstance {
  return {
    apiVersion: "kubevirt.io/v1",
    kind: "VirtualMachineInstance",
    metadata: { name: "a", namespace: "n", uid: "u", ...(annotations ? { annotations } : {}) },
    spec: { domain: { devices: {} }, ...spec } as Spec,
    status: { nodeName: "node-1" },
  } as VirtualMachineInstance;
}

const masquerade = {
  networks: [{ name: "default", pod: {} }],
  domain: { devices: { interfaces: [{ name: "default", masquerade: {} }] } },
} as Partial<Spec>;
const bridge = {
  networks: [{ name: "default", pod: {} }],
  domain: { devices: { interfaces: [{ name: "default", bridge: {} }] } },
} as Partial<Spec>;

const claims: Record<string, string[]> = { rwx: ["ReadWriteMany"], rwo: ["ReadWriteOnce"] };
const inputs: MigratableInputs = {
  claimAccessModes: (name) => claims[name],
  hostCpuModel: undefined,
};
const PVC_RULE = "live migration requires that all PVCs must be shared " +
  "(using ReadWriteMany access mode)";

Deno.test("liveMigratabilityOf() follows KubeVirt's rules for volumes, interfaces, CPU and devices", () => {
  const cases: Array<{
    name: string;
    vmi: VirtualMachineInstance;
    inputs?: Partial<MigratableInputs>;
    status: "True" | "False";
    reason?: string;
    message?: string;
    method: "BlockMigration" | "LiveMigration";
  }> = [
    { name: "no volumes, no interfaces", vmi: vmi({}), status: "True", method: "LiveMigration" },
    {
      name: "containerDisk and cloud-init are copied",
      vmi: vmi({
        ...masquerade,
        volumes: [
          { name: "root", containerDisk: { image: "r/i" } },
          { name: "ci", cloudInitNoCloud: { userData: "#cloud-config" } },
        ],
      }),
      status: "True",
      method: "BlockMigration",
    },
    {
      name: "emptyDisk is copied",
      vmi: vmi({ volumes: [{ name: "scratch", emptyDisk: { capacity: "1Gi" } }] }),
      status: "True",
      method: "BlockMigration",
    },
    {
      name: "a read-only cdrom is not copied",
      vmi: vmi({
        domain: { devices: { disks: [{ name: "ci", cdrom: {} }] } },
        volumes: [{ name: "ci", cloudInitNoCloud: { userData: "x" } }],
      } as Partial<Spec>),
      status: "True",
      method: "LiveMigration",
    },
    {
      name: "a shared claim",
      vmi: vmi({ volumes: [{ name: "d", persistentVolumeClaim: { claimName: "rwx" } }] }),
      status: "True",
      method: "LiveMigration",
    },
    {
      name: "a ReadWriteOnce claim",
      vmi: vmi({ volumes: [{ name: "d", persistentVolumeClaim: { claimName: "rwo" } }] }),
      status: "False",
      reason: "DisksNotLiveMigratable",
      message: `cannot migrate VMI: PVC rwo is not shared, ${PVC_RULE}`,
      method: "BlockMigration",
    },
    {
      name: "a DataVolume whose claim is not known",
      vmi: vmi({ volumes: [{ name: "d", dataVolume: { name: "unknown" } }] }),
      status: "False",
      reason: "DisksNotLiveMigratable",
      message: `cannot migrate VMI: Unable to determine if PVC unknown is shared, ${PVC_RULE}`,
      method: "BlockMigration",
    },
    {
      name: "a hostDisk not marked shared",
      vmi: vmi({ volumes: [{ name: "h", hostDisk: { path: "/d.img", type: "Disk" } }] }),
      status: "False",
      reason: "DisksNotLiveMigratable",
      message: "cannot migrate VMI with non-shared HostDisk",
      method: "BlockMigration",
    },
    {
      name: "a shared hostDisk",
      vmi: vmi({
        volumes: [{ name: "h", hostDisk: { path: "/d.img", type: "Disk", shared: true } }],
      }),
      status: "True",
      method: "LiveMigration",
    },
    { name: "masquerade", vmi: vmi(masquerade), status: "True", method: "LiveMigration" },
    {
      name: "bridge on the pod network",
      vmi: vmi(bridge),
      status: "False",
      reason: "InterfaceNotLiveMigratable",
      message: "cannot migrate VMI which does not use masquerade, bridge with " +
        "kubevirt.io/allow-pod-bridge-network-live-migration VM annotation or a migratable " +
        "plugin to connect to the pod network",
      method: "LiveMigration",
    },
    {
      name: "bridge on the pod network with the allow annotation",
      vmi: vmi(bridge, { "kubevirt.io/allow-pod-bridge-network-live-migration": "" }),
      status: "True",
      method: "LiveMigration",
    },
    {
      name: "host-model on a node without a host model",
      vmi: vmi({ domain: { cpu: { model: "host-model" }, devices: {} } } as Partial<Spec>),
      status: "False",
      reason: "CPUModeLiveMigratable",
      message: 'the node "node-1" does not allow migration with host-model',
      method: "LiveMigration",
    },
    {
      name: "host-model on a node with a host model",
      vmi: vmi({ domain: { cpu: { model: "host-model" }, devices: {} } } as Partial<Spec>),
      inputs: { hostCpuModel: "Skylake-Client" },
      status: "True",
      method: "LiveMigration",
    },
    {
      name: "host-passthrough",
      vmi: vmi({ domain: { cpu: { model: "host-passthrough" }, devices: {} } } as Partial<Spec>),
      status: "True",
      method: "LiveMigration",
    },
    {
      name: "host devices",
      vmi: vmi({ domain: { devices: { hostDevices: [{ name: "x" }] } } } as Partial<Spec>),
      status: "False",
      reason: "HostDeviceNotLiveMigratable",
      message: "VMI uses a PCI host devices",
      method: "LiveMigration",
    },
    {
      name: "disks are checked before interfaces",
      vmi: vmi({ ...bridge, volumes: [{ name: "d", dataVolume: { name: "rwo" } }] }),
      status: "False",
      reason: "DisksNotLiveMigratable",
      message: `cannot migrate VMI: PVC rwo is not shared, ${PVC_RULE}`,
      method: "BlockMigration",
    },
  ];
  for (const c of cases) {
    const got = liveMigratabilityOf(c.vmi, { ...inputs, ...c.inputs });
    assert.equal(got.condition.type, "LiveMigratable", c.name);
    assert.equal(got.condition.status, c.status, c.name);
    assert.equal(got.condition.reason, c.reason, c.name);
    assert.equal(got.condition.message, c.message, c.name);
    assert.equal(got.method, c.method, c.name);
  }
});
