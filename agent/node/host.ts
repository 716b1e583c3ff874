/** What the host offers to VMs: CPUs, memory and disk, minus what the node keeps for itself. */
import { filesystemBytes } from "../storage/filesystem.ts";

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

/** Disk kept back from pods: kubelet's default hard eviction threshold, `nodefs.available<10%`. */
export const EPHEMERAL_STORAGE_RESERVE = 0.1;

/**
 * Capacity (what the host has) and allocatable (what pods may request); memory in KiB, and the
 * filesystem of the agent's data directory as `ephemeral-storage` (UIs and the scheduler read it
 * as they read a kubelet's), when it could be measured.
 */
export function nodeResources(
  cpus: number,
  total: number,
  ephemeralStorageBytes?: number,
): { capacity: ResourceList; allocatable: ResourceList } {
  const allocatable = Math.max(0, total - memoryReserveKiB(total));
  const disk = ephemeralStorageBytes === undefined ? undefined : {
    capacity: String(ephemeralStorageBytes),
    allocatable: String(Math.floor(ephemeralStorageBytes * (1 - EPHEMERAL_STORAGE_RESERVE))),
  };
  return {
    capacity: {
      cpu: String(cpus),
      ...(disk ? { "ephemeral-storage": disk.capacity } : {}),
      memory: `${total}Ki`,
      pods: String(MAX_PODS),
    },
    allocatable: {
      cpu: String(cpus),
      ...(disk ? { "ephemeral-storage": disk.allocatable } : {}),
      memory: `${allocatable}Ki`,
      pods: String(MAX_PODS),
    },
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
  /** Size of the filesystem of the agent's data directory; undefined when it cannot be read. */
  ephemeralStorageBytes?: number;
}

/**
 * Reads the host's facts (Deno's system calls need `--allow-sys=systemMemoryInfo,osRelease`;
 * reading /proc directly would need `--allow-all`).
 */
export async function readHostInfo(dataDir?: string): Promise<HostInfo> {
  const read = (path: string) => Deno.readTextFile(path).then((t) => t.trim(), () => "");
  const osRelease = await read("/etc/os-release");
  const disk = dataDir === undefined
    ? undefined
    : await filesystemBytes(dataDir).then((bytes) => Number(bytes), () => undefined);
  return {
    ...(disk !== undefined ? { ephemeralStorageBytes: disk } : {}),
    cpus: navigator.hardwareConcurrency,
    memoryKiB: Math.floor(Deno.systemMemoryInfo().total / 1024),
    kernelVersion: Deno.osRelease(),
    osImage: /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(osRelease)?.[1] ?? "Linux",
    machineID: await read("/etc/machine-id"),
    bootID: await read("/proc/sys/kernel/random/boot_id"),
  };
}
