import assert from "node:assert/strict";
import type { VM, VMI } from "../../api/mod.ts";
import { vmiInfoSample, vmInfoSample } from "./info.ts";

const vmi = (over: Record<string, unknown> = {}) =>
  ({
    apiVersion: "kubevirt.io/v1",
    kind: "VirtualMachineInstance",
    metadata: {
      namespace: "ns1",
      name: "web",
      uid: "u1",
      annotations: { "vm.kubevirt.io/os": "debian" },
    },
    spec: { domain: { devices: {} } },
    status: {
      phase: "Running",
      nodeName: "node-a",
      machine: { type: "pc-q35-7.2" },
      guestOSInfo: {
        name: "Debian GNU/Linux",
        versionId: "12",
        kernelRelease: "6.1.0",
        machine: "x86_64",
      },
    },
    ...over,
  }) as unknown as VMI;

Deno.test("vmiInfoSample() labels a VMI as KubeVirt's kubevirt_vmi_info does", () => {
  assert.deepEqual(vmiInfoSample(vmi(), "virt-launcher-web-abcde"), {
    labels: {
      node: "node-a",
      namespace: "ns1",
      name: "web",
      phase: "running",
      os: "debian",
      workload: "",
      flavor: "",
      instance_type: "",
      preference: "",
      guest_os_kernel_release: "6.1.0",
      guest_os_machine: "pc-q35-7.2",
      guest_os_arch: "x86_64",
      guest_os_name: "Debian GNU/Linux",
      guest_os_version_id: "12",
      evictable: "true",
      outdated: "false",
      vmi_pod: "virt-launcher-web-abcde",
    },
    value: 1,
  });
});

Deno.test("vmiInfoSample() and vmInfoSample() name the instance type and preference a VM is sized by", () => {
  const annotations = {
    "kubevirt.io/cluster-instancetype-name": "u1.small",
    "kubevirt.io/preference-name": "team-pref",
  };
  const labels = vmiInfoSample(vmi({ metadata: { name: "web", annotations } }), undefined).labels;
  assert.equal(labels.instance_type, "u1.small");
  assert.equal(labels.preference, "team-pref");
  const vm = {
    metadata: { namespace: "ns1", name: "web" },
    spec: {
      instancetype: { kind: "VirtualMachineClusterInstancetype", name: "u1.small" },
      preference: { name: "fedora" },
      template: { spec: { domain: { devices: {} } } },
    },
  } as unknown as VM;
  assert.equal(vmInfoSample(vm).labels.instance_type, "u1.small");
  assert.equal(vmInfoSample(vm).labels.preference, "fedora");
});

Deno.test("vmiInfoSample() reports a LiveMigrate VMI evictable only once it is migratable", () => {
  const spec = { domain: { devices: {} }, evictionStrategy: "LiveMigrate" };
  const cases: Array<[unknown[], string]> = [
    [[], "false"],
    [[{ type: "LiveMigratable", status: "False" }], "false"],
    [[{ type: "LiveMigratable", status: "True" }], "true"],
  ];
  for (const [conditions, want] of cases) {
    const sample = vmiInfoSample(
      vmi({ spec, status: { phase: "Running", conditions } }),
      undefined,
    );
    assert.equal(sample.labels.evictable, want, JSON.stringify(conditions));
  }
});

Deno.test("vmInfoSample() groups the printable status as KubeVirt does", () => {
  const cases: Array<[string | undefined, string]> = [
    ["Running", "running"],
    ["Starting", "starting"],
    ["Stopped", "non_running"],
    ["ErrImagePull", "error"],
    ["Migrating", "migrating"],
    [undefined, "<unknown>"],
  ];
  for (const [status, group] of cases) {
    const vm = {
      metadata: { namespace: "ns1", name: "web" },
      spec: { template: { metadata: { annotations: { "vm.kubevirt.io/workload": "server" } } } },
      status: status ? { printableStatus: status } : {},
    } as unknown as VM;
    const { labels } = vmInfoSample(vm);
    assert.equal(labels.status_group, group, String(status));
    assert.equal(labels.status, status ?? "");
    assert.equal(labels.workload, "server");
  }
});
