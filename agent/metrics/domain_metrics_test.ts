import assert from "node:assert/strict";
import type { VMI } from "../../api/mod.ts";
import { formatFamilies } from "../../lib/metrics/text_format.ts";
import { domainMetricFamilies, vmiLabels } from "./domain_metrics.ts";

const vmi = {
  apiVersion: "kubevirt.io/v1",
  kind: "VirtualMachineInstance",
  metadata: { namespace: "ns1", name: "web", labels: { "kubevirt.io/domain": "web" } },
  spec: {
    domain: {
      devices: {
        disks: [
          { name: "rootdisk", disk: { bus: "virtio" } },
          { name: "cloudinit", cdrom: { bus: "sata" } },
        ],
        interfaces: [
          { name: "gone", state: "absent", masquerade: {} },
          { name: "default", masquerade: {} },
        ],
      },
    },
    networks: [{ name: "gone", pod: {} }, { name: "default", pod: {} }],
  },
} as unknown as VMI;

const record = {
  name: "ns1_web",
  fields: {
    "state.state": 1,
    "cpu.time": 2_500_000_000,
    "balloon.rss": 1024,
    "balloon.maximum": 65536,
    "vcpu.current": 2,
    "vcpu.maximum": 2,
    "vcpu.0.state": 1,
    "vcpu.0.time": 1_000_000_000,
    "vcpu.1.state": 2,
    "vcpu.1.time": 500_000_000,
    "vcpu.1.wait": 1_000_000,
    "net.count": 1,
    "net.0.name": "vnet3",
    "net.0.rx.bytes": 4096,
    "net.0.tx.pkts": 7,
    "block.count": 2,
    "block.0.name": "vda",
    "block.0.rd.reqs": 12,
    "block.0.rd.bytes": 49152,
    "block.0.rd.times": 3_000_000,
    "block.1.name": "sda",
    "block.1.rd.reqs": 1,
  },
};

function scrape(records = [record], vmis: Record<string, VMI> = { ns1_web: vmi }): string {
  return formatFamilies(domainMetricFamilies(records, (d) => vmis[d], "node-a"));
}

Deno.test("domainMetricFamilies() maps libvirt's counters to KubeVirt's names, units and labels", () => {
  const text = scrape();
  const base =
    'node="node-a",namespace="ns1",name="web",kubernetes_vmi_label_kubevirt_io_domain="web"';
  const lines: Array<[string, string]> = [
    [`kubevirt_vmi_vcpu_seconds_total{${base},id="0",state="running"}`, "1"],
    [`kubevirt_vmi_vcpu_seconds_total{${base},id="1",state="blocked"}`, "0.5"],
    [`kubevirt_vmi_vcpu_wait_seconds_total{${base},id="1"}`, "0.001"],
    [`kubevirt_vmi_cpu_usage_seconds_total{${base}}`, "2.5"],
    [`kubevirt_vmi_memory_resident_bytes{${base}}`, "1048576"],
    [`kubevirt_vmi_memory_domain_bytes{${base}}`, "67108864"],
    [
      `kubevirt_vmi_network_receive_bytes_total{${base},interface="default",network="default"}`,
      "4096",
    ],
    [
      `kubevirt_vmi_network_transmit_packets_total{${base},interface="default",network="default"}`,
      "7",
    ],
    [`kubevirt_vmi_storage_iops_read_total{${base},drive="rootdisk"}`, "12"],
    [`kubevirt_vmi_storage_read_traffic_bytes_total{${base},drive="rootdisk"}`, "49152"],
    [`kubevirt_vmi_storage_read_times_seconds_total{${base},drive="rootdisk"}`, "0.003"],
    [`kubevirt_vmi_storage_iops_read_total{${base},drive="cloudinit"}`, "1"],
  ];
  const got = new Set(text.split("\n"));
  for (const [series, value] of lines) {
    assert.ok(got.has(`${series} ${value}`), `${series} ${value}\n${text}`);
  }
  assert.match(text, /^# TYPE kubevirt_vmi_vcpu_seconds_total counter$/m);
  assert.match(text, /^# TYPE kubevirt_vmi_memory_resident_bytes gauge$/m);
  // Fields libvirt did not report make no sample.
  assert.doesNotMatch(text, /^kubevirt_vmi_memory_available_bytes\{/m);
});

Deno.test("domainMetricFamilies() skips domains of no VMI here and keeps every family", () => {
  const text = scrape([{ ...record, name: "other_domain" }]);
  assert.doesNotMatch(text, /^kubevirt_vmi_/m);
  assert.match(text, /^# HELP kubevirt_vmi_vcpu_seconds_total /m);
});

Deno.test("domainMetricFamilies() falls back to libvirt's device names it cannot map", () => {
  const bare = { ...vmi, spec: { domain: { devices: {} } } } as unknown as VMI;
  const text = scrape([record], { ns1_web: bare });
  assert.match(text, /interface="vnet3"/);
  assert.match(text, /drive="vda"/);
});

Deno.test("vmiLabels() turns the VMI's labels into kubernetes_vmi_label_ names", () => {
  assert.deepEqual(vmiLabels(vmi, "n"), {
    node: "n",
    namespace: "ns1",
    name: "web",
    kubernetes_vmi_label_kubevirt_io_domain: "web",
  });
});
