// A VMI's vCPUs as KubeVirt counts them (GetCPUTopology, CalculateRequestedVCPUs), and what
// follows from the count: the queues of a multi-queue virtio NIC.
import type { Interface } from "./devices.ts";
import { parseQuantity } from "./quantity.ts";
import type { VirtualMachineInstanceSpec } from "./vmi_spec.ts";

/** The most vCPUs the agent gives a guest (QEMU's q35 limit is higher; this is denovirt's). */
export const MAX_VCPUS = 512;
/** KubeVirt's cap on the queues of a multi-queue NIC (the tap device's maximum). */
export const MAX_NETWORK_QUEUES = 256;

export interface CpuTopology {
  sockets: number;
  cores: number;
  threads: number;
}

/**
 * The guest's topology, as KubeVirt computes it: the given sockets, cores and threads (1 when
 * unset); with none given, one socket per whole CPU of the limit, else of the request (rounded
 * up). Throws QuantityError for a CPU quantity that does not parse.
 */
export function cpuTopologyOf(spec: VirtualMachineInstanceSpec): CpuTopology {
  const cpu = spec.domain.cpu;
  const topology = {
    sockets: cpu?.sockets ?? 1,
    cores: cpu?.cores ?? 1,
    threads: cpu?.threads ?? 1,
  };
  if (!cpu?.sockets && !cpu?.cores && !cpu?.threads) {
    const quantity = cpuQuantityOf(spec);
    if (quantity) topology.sockets = Math.max(1, Number(parseQuantity(quantity.value).value));
  }
  return topology;
}

/** The quantity the topology comes from when none is given: the CPU limit, else the request. */
export function cpuQuantityOf(
  spec: VirtualMachineInstanceSpec,
): { path: "limits" | "requests"; value: string | number } | undefined {
  const resources = spec.domain.resources;
  const limit = resources?.limits?.["cpu"];
  if (limit !== undefined) return { path: "limits", value: limit };
  const request = resources?.requests?.["cpu"];
  return request === undefined ? undefined : { path: "requests", value: request };
}

/** The number of vCPUs: sockets x cores x threads. */
export function vcpusOf(spec: VirtualMachineInstanceSpec): number {
  const { sockets, cores, threads } = cpuTopologyOf(spec);
  return sockets * cores * threads;
}

/**
 * The queues of an interface under `networkInterfaceMultiqueue` (KubeVirt's
 * CalculateNetworkQueues): one per vCPU, at most 256, for virtio models; 0 (no `<driver>`) when
 * the flag is off or the model is not virtio.
 */
export function networkQueuesOf(spec: VirtualMachineInstanceSpec, iface: Interface): number {
  if (spec.domain.devices.networkInterfaceMultiqueue !== true) return 0;
  if ((iface.model ?? "virtio") !== "virtio") return 0;
  return Math.min(vcpusOf(spec), MAX_NETWORK_QUEUES);
}
