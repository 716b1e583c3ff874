/**
 * virt-handler's per-VMI metrics from libvirt's domain statistics: KubeVirt's names, units
 * (seconds, bytes) and labels (`node`, `namespace`, `name`, the VMI's labels as
 * `kubernetes_vmi_label_*`, and `interface`/`network` or `drive` named as in the VMI's spec).
 */
import type { VMI } from "../../api/mod.ts";
import type { Labels, MetricFamily, Sample } from "../../lib/metrics/text_format.ts";
import { diskTargetsOf } from "../domain/disks.ts";
import type { DomainStatsRecord } from "../libvirt/types.ts";
import {
  CPU,
  type Def,
  MEMORY,
  NETWORK,
  STORAGE,
  VCPU,
  VCPU_STATES,
} from "./domain_metric_defs.ts";

type Fields = DomainStatsRecord["fields"];

/** The families of every domain that belongs to a VMI on `node`; other domains are skipped. */
export function domainMetricFamilies(
  records: readonly DomainStatsRecord[],
  vmiOfDomain: (domain: string) => VMI | undefined,
  node: string,
): MetricFamily[] {
  const samples = new Map<string, Sample[]>();
  const push = (d: Def, labels: Labels, fields: Fields, key: string) => {
    const value = fields[key];
    if (typeof value !== "number") return;
    let list = samples.get(d.name);
    if (!list) samples.set(d.name, list = []);
    list.push({ labels, value: value * (d.scale ?? 1) });
  };
  for (const record of records) {
    const vmi = vmiOfDomain(record.name);
    if (!vmi?.metadata?.name) continue;
    const base = vmiLabels(vmi, node);
    const f = record.fields;
    for (const d of [...CPU, ...MEMORY]) push(d, base, f, d.field);
    for (let i = 0; i < count(f, "vcpu.maximum", "vcpu.current"); i++) {
      const state = VCPU_STATES[Number(f[`vcpu.${i}.state`])] ?? "unknown";
      const [time, ...others] = VCPU;
      push(time!, { ...base, id: String(i), state }, f, `vcpu.${i}.time`);
      for (const d of others) push(d, { ...base, id: String(i) }, f, `vcpu.${i}.${d.field}`);
    }
    const ifaces = interfaceNamesOf(vmi);
    for (let i = 0; i < count(f, "net.count"); i++) {
      const tap = f[`net.${i}.name`];
      const iface = ifaces[i] ?? { name: typeof tap === "string" ? tap : `net${i}`, network: "" };
      const labels = { ...base, interface: iface.name, network: iface.network };
      for (const d of NETWORK) push(d, labels, f, `net.${i}.${d.field}`);
    }
    const drives = driveNamesOf(vmi);
    for (let i = 0; i < count(f, "block.count"); i++) {
      const dev = f[`block.${i}.name`];
      if (typeof dev !== "string") continue;
      const labels = { ...base, drive: drives.get(dev) ?? dev };
      for (const d of STORAGE) push(d, labels, f, `block.${i}.${d.field}`);
    }
  }
  return [...VCPU, ...CPU, ...MEMORY, ...NETWORK, ...STORAGE].map((d) => ({
    name: d.name,
    help: d.help,
    type: d.type,
    samples: samples.get(d.name) ?? [],
  }));
}

/** `node`, `namespace`, `name`, then each VMI label as `kubernetes_vmi_label_<key>`. */
export function vmiLabels(vmi: VMI, node: string): Labels {
  const labels: Labels = {
    node,
    namespace: vmi.metadata?.namespace ?? "",
    name: vmi.metadata?.name ?? "",
  };
  for (const [key, value] of Object.entries(vmi.metadata?.labels ?? {})) {
    labels[`kubernetes_vmi_label_${key.replace(/[^a-zA-Z0-9_]/g, "_")}`] = value;
  }
  return labels;
}

function count(fields: Fields, ...names: string[]): number {
  for (const name of names) {
    const value = fields[name];
    if (typeof value === "number") return value;
  }
  return 0;
}

/**
 * The VMI's interfaces in the order libvirt lists them: the domain has one `<interface>` per
 * spec interface that is not `absent`, in spec order.
 */
function interfaceNamesOf(vmi: VMI): Array<{ name: string; network: string }> {
  return (vmi.spec?.domain?.devices?.interfaces ?? []).filter((i) => i.state !== "absent")
    .map((i) => ({ name: i.name, network: i.name }));
}

/** Target device (`vda`) to disk name; an unrenderable spec maps nothing. */
function driveNamesOf(vmi: VMI): Map<string, string> {
  try {
    return new Map(diskTargetsOf(vmi.spec).map((t) => [t.dev, t.name]));
  } catch {
    return new Map();
  }
}
