/** What the host offers to VMs: CPUs and memory, minus what the node keeps for itself. */

/** Memory kept back from VMs: 5 % of the host's memory, at least 256 MiB and at most 2 GiB. */
export const MEMORY_RESERVE = { fraction: 0.05, minKiB: 256 * 1024, maxKiB: 2 * 1024 * 1024 };

/** Launcher pods a node takes at most, as kubelet's default `maxPods`. */
export const MAX_PODS = 110;

/** A Node's capacity or allocatable resources, as quantities. */
export type ResourceList = Record<string, string>;

/** The memory reserve for a host with `totalKiB` of memory. */
export function memoryReserveKiB(totalKiB: number): number {
  const { fraction, minKiB, maxKiB } = MEMORY_RESERVE;
  return Math.min(maxKiB, Math.max(minKiB, Math.round(totalKiB * fraction)));
}

/** Capacity (what the host has) and allocatable (what pods may request); memory in KiB. */
export function nodeResources(
  cpus: number,
  total: number,
): { capacity: ResourceList; allocatable: ResourceList } {
  const allocatable = Math.max(0, total - memoryReserveKiB(total));
  return {
    capacity: { cpu: String(cpus), memory: `${total}Ki`, pods: String(MAX_PODS) },
    allocatable: { cpu: String(cpus), memory: `${allocatable}Ki`, pods: String(MAX_PODS) },
  };
}

/** Facts about the host for the Node's `status.nodeInfo`. */
export interface HostInfo {
  cpus: number;
  /** MemTotal, in KiB. */
  memoryKiB: number;
  kernelVersion: string;
  osImage: string;
  machineID: string;
  bootID: string;
}

/**
 * Reads the host's facts (Deno's system calls need `--allow-sys=systemMemoryInfo,osRelease`;
 * reading /proc directly would need `--allow-all`).
 */
export async function readHostInfo(): Promise<HostInfo> {
  const read = (path: string) => Deno.readTextFile(path).then((t) => t.trim(), () => "");
  const osRelease = await read("/etc/os-release");
  return {
    cpus: navigator.hardwareConcurrency,
    memoryKiB: Math.floor(Deno.systemMemoryInfo().total / 1024),
    kernelVersion: Deno.osRelease(),
    osImage: /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(osRelease)?.[1] ?? "Linux",
    machineID: await read("/etc/machine-id"),
    bootID: await read("/proc/sys/kernel/random/boot_id"),
  };
}
