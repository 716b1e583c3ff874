/**
 * Memory footprint: the RSS of every process of the stack at 0 VMs and at N running VMs, the
 * per-VM growth of everything but QEMU, and the RSS of each QEMU.
 */
import { runningPid } from "../stack/daemon.ts";
import { ALL_IN_ONE } from "../stack/layout.ts";
import type { StackPaths } from "../stack/paths.ts";
import { pidsMatching, rssMiB } from "./proc.ts";
import { quantile, round, slope } from "./stats.ts";
import { sleep } from "./pace.ts";

/**
 * denovirt's own processes plus libvirt: the "control plane and agent" of one node. The roles run
 * either as `denovirt` (all in one process) or each as its own; the others read 0.
 */
export const DENOVIRT_PROCESSES = [
  ALL_IN_ONE,
  "controllers",
  "webhooks",
  "agent",
  "libvirtd",
  "virtlogd",
];
/** The Kubernetes control plane, reported on its own. */
export const KUBERNETES_PROCESSES = [
  "etcd",
  "kube-apiserver",
  "kube-controller-manager",
  "kube-scheduler",
];

/** RSS in MiB by process name, and of each QEMU of the VMs, at one moment. */
export interface FootprintSample {
  vms: number;
  rss: Record<string, number>;
  qemu: number[];
}

/**
 * The RSS of the stack's processes (median of `samples` readings 1 s apart, against GC noise)
 * and of the QEMU of each VM, found by `guest=<domain>,` on its command line.
 */
export async function sampleFootprint(
  paths: StackPaths,
  domains: string[],
  samples = 3,
): Promise<FootprintSample> {
  const readings: Record<string, number[]> = {};
  for (let s = 0; s < samples; s++) {
    if (s > 0) await sleep(1_000);
    for (const name of [...DENOVIRT_PROCESSES, ...KUBERNETES_PROCESSES]) {
      const pid = await runningPid(paths, name);
      (readings[name] ??= []).push(pid === undefined ? 0 : await rssMiB(pid));
    }
  }
  const rss = Object.fromEntries(
    Object.entries(readings).map(([name, values]) => [name, quantile(values, 0.5)]),
  );
  const qemu: number[] = [];
  for (const domain of domains) {
    for (const pid of await pidsMatching(`guest=${domain},`)) qemu.push(await rssMiB(pid));
  }
  return { vms: domains.length, rss, qemu };
}

/** Sum of the named processes' RSS. */
export function sumOf(sample: FootprintSample, names: string[]): number {
  return names.reduce((total, name) => total + (sample.rss[name] ?? 0), 0);
}

/** The footprint figures from samples at 0 VMs and at N (and any in between). */
export function footprintFigures(samples: FootprintSample[]) {
  const ordered = [...samples].sort((a, b) => a.vms - b.vms);
  const idle = ordered[0]!;
  const peak = ordered.at(-1)!;
  const all = [...DENOVIRT_PROCESSES, ...KUBERNETES_PROCESSES];
  const perVm = (names: string[]) =>
    slope(ordered.map((s) => [s.vms, sumOf(s, names)] as [number, number]));
  const mib = (value: number) => round(value, 1);
  return {
    n: peak.vms,
    /** How the roles ran: one `denovirt` process, or each its own. */
    layout: (peak.rss[ALL_IN_ONE] ?? 0) > 0 ? "all-in-one" : "separate",
    per_vm_mib_beyond_qemu: round(perVm(all), 2),
    per_vm_mib_node_side: round(perVm(DENOVIRT_PROCESSES), 2),
    control_plane_and_agent_rss_mib: mib(sumOf(peak, DENOVIRT_PROCESSES)),
    control_plane_and_agent_rss_mib_at_0: mib(sumOf(idle, DENOVIRT_PROCESSES)),
    kubernetes_rss_mib: mib(sumOf(peak, KUBERNETES_PROCESSES)),
    kubernetes_rss_mib_at_0: mib(sumOf(idle, KUBERNETES_PROCESSES)),
    qemu_rss_mib_p50: mib(quantile(peak.qemu, 0.5)),
    qemu_rss_mib_max: mib(peak.qemu.length ? Math.max(...peak.qemu) : NaN),
    qemu_processes: peak.qemu.length,
    processes_at_0: Object.fromEntries(all.map((n) => [n, mib(idle.rss[n] ?? 0)])),
    processes_at_n: Object.fromEntries(all.map((n) => [n, mib(peak.rss[n] ?? 0)])),
  };
}

export type FootprintFigures = ReturnType<typeof footprintFigures>;
