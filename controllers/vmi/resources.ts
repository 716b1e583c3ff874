/**
 * A launcher pod's requests: the guest's memory plus QEMU's own overhead, and the guest's CPUs
 * divided by the CPU allocation ratio (KubeVirt's rules; docs/controllers.md has the numbers).
 */
import type { VirtualMachineInstance } from "../../api/mod.ts";
// Not api/mod.ts: that builds every schema, which the controllers never use (memory).
import { formatBinaryQuantity, formatMilliQuantity, parseQuantity } from "../../api/quantity.ts";
import { TerminalError } from "../../lib/errors.ts";

export interface ResourceOptions {
  /** vCPUs per requested CPU when the VMI requests none (KubeVirt's cpuAllocationRatio). */
  cpuAllocationRatio?: number;
}

/** KubeVirt's default cpuAllocationRatio: each vCPU requests 100m. */
export const DEFAULT_CPU_ALLOCATION_RATIO = 10;

const MI = 1n << 20n;
/** QEMU's own memory besides guest RAM: binary, device models, I/O buffers (measured ~26 MiB). */
export const QEMU_FIXED_OVERHEAD = 32n * MI;
/** Per vCPU: thread stacks and per-CPU state (KubeVirt's estimate). */
export const QEMU_VCPU_OVERHEAD = 8n * MI;

/** The guest's vCPUs: sockets × cores × threads, each 1 when unset. */
export function vcpusOf(vmi: VirtualMachineInstance): number {
  const cpu = vmi.spec.domain.cpu;
  return (cpu?.sockets ?? 1) * (cpu?.cores ?? 1) * (cpu?.threads ?? 1);
}

const bytes = (q: string | number | undefined) =>
  q === undefined ? undefined : parseQuantity(q).value;

/** Guest RAM: memory.guest, else the memory request or limit. */
export function guestMemoryOf(vmi: VirtualMachineInstance): bigint | undefined {
  const domain = vmi.spec.domain;
  return bytes(domain.memory?.guest) ?? bytes(domain.resources?.requests?.memory) ??
    bytes(domain.resources?.limits?.memory);
}

/** Memory QEMU needs besides the guest's RAM: fixed, per vCPU, and page tables (RAM/512). */
export function memoryOverheadOf(vmi: VirtualMachineInstance): bigint {
  const guest = guestMemoryOf(vmi) ?? 0n;
  const pageTables = (guest / 512n + MI - 1n) / MI * MI;
  return QEMU_FIXED_OVERHEAD + QEMU_VCPU_OVERHEAD * BigInt(vcpusOf(vmi)) + pageTables;
}

/** The compute container's requests and limits. */
export function launcherResources(
  vmi: VirtualMachineInstance,
  opts: ResourceOptions = {},
): { requests: Record<string, string>; limits?: Record<string, string> } {
  const resources = vmi.spec.domain.resources ?? {};
  const id = `${vmi.metadata.namespace}/${vmi.metadata.name}`;
  const memory = bytes(resources.requests?.memory) ?? bytes(resources.limits?.memory) ??
    bytes(vmi.spec.domain.memory?.guest);
  if (memory === undefined) {
    throw new TerminalError(
      `Cannot size the launcher pod of VMI ${id}: spec.domain.resources.requests.memory ` +
        "or spec.domain.memory.guest must be set",
    );
  }
  const overhead = memoryOverheadOf(vmi);
  const ratio = opts.cpuAllocationRatio ?? DEFAULT_CPU_ALLOCATION_RATIO;
  const cpu = resources.requests?.cpu !== undefined
    ? String(resources.requests.cpu)
    : formatMilliQuantity(BigInt(Math.ceil((vcpusOf(vmi) * 1000) / ratio)));
  const requests: Record<string, string> = {
    cpu,
    memory: formatBinaryQuantity(resources.overcommitGuestOverhead ? memory : memory + overhead),
  };
  const limits: Record<string, string> = {};
  if (resources.limits?.cpu !== undefined) limits.cpu = String(resources.limits.cpu);
  const memoryLimit = bytes(resources.limits?.memory);
  if (memoryLimit !== undefined) limits.memory = formatBinaryQuantity(memoryLimit + overhead);
  return Object.keys(limits).length ? { requests, limits } : { requests };
}
