/** vCPUs, CPU model and guest memory. */
import { parseQuantity, QuantityError, type VirtualMachineInstanceSpec } from "../../api/mod.ts";
import { DomainSpecError, unsupported } from "./errors.ts";
import type { NodeFacts } from "./types.ts";
import { el, type XmlElement } from "./xml.ts";

export interface CpuTopology {
  sockets: number;
  cores: number;
  threads: number;
}

// The model a TCG guest gets when it asks for the host's CPU: a baseline every QEMU emulates.
const TCG_DEFAULT_MODEL = "qemu64";
const MAX_VCPUS = 512;

/**
 * The guest's topology, as KubeVirt computes it: the given sockets, cores and threads (1 when
 * unset); with none given, one core per whole CPU of the limit, else of the request (rounded up).
 */
export function cpuTopologyOf(spec: VirtualMachineInstanceSpec): CpuTopology {
  const cpu = spec.domain.cpu;
  const topology = {
    sockets: cpu?.sockets ?? 1,
    cores: cpu?.cores ?? 1,
    threads: cpu?.threads ?? 1,
  };
  if (!cpu?.sockets && !cpu?.cores && !cpu?.threads) {
    const resources = spec.domain.resources;
    const fromLimit = resources?.limits?.["cpu"];
    const fromRequest = resources?.requests?.["cpu"];
    const quantity = fromLimit ?? fromRequest;
    if (quantity !== undefined) {
      const path = `spec.domain.resources.${fromLimit !== undefined ? "limits" : "requests"}.cpu`;
      const cores = Number(quantityOrThrow(quantity, path).value);
      topology.sockets = Math.max(1, cores);
    }
  }
  const vcpus = topology.sockets * topology.cores * topology.threads;
  if (vcpus > MAX_VCPUS) {
    throw new DomainSpecError("spec.domain.cpu", `${vcpus} vCPUs is more than ${MAX_VCPUS}`);
  }
  return topology;
}

/** `<vcpu>` and `<cpu>`: host-model and host-passthrough need KVM; under TCG they become qemu64. */
export function cpuElements(spec: VirtualMachineInstanceSpec, node: NodeFacts): XmlElement[] {
  const cpu = spec.domain.cpu;
  if (cpu?.dedicatedCpuPlacement) {
    unsupported("spec.domain.cpu.dedicatedCpuPlacement", "dedicated CPU placement");
  }
  if (cpu?.isolateEmulatorThread) {
    unsupported("spec.domain.cpu.isolateEmulatorThread", "an isolated emulator thread");
  }
  if (cpu?.numa) unsupported("spec.domain.cpu.numa", "NUMA placement");
  if (cpu?.realtime) unsupported("spec.domain.cpu.realtime", "a realtime vCPU");
  const topology = cpuTopologyOf(spec);
  const vcpus = topology.sockets * topology.cores * topology.threads;
  const model = cpu?.model ?? "host-model";
  const features = (cpu?.features ?? []).map((f) =>
    el("feature", { policy: f.policy ?? "require", name: f.name })
  );
  const topologyEl = el("topology", {
    sockets: topology.sockets,
    dies: 1,
    cores: topology.cores,
    threads: topology.threads,
  });
  let cpuEl: XmlElement;
  if ((model === "host-model" || model === "host-passthrough") && node.kvm) {
    cpuEl = el(
      "cpu",
      { mode: model, check: model === "host-model" ? "partial" : "none" },
      topologyEl,
      features,
    );
  } else {
    const name = model === "host-model" || model === "host-passthrough" ? TCG_DEFAULT_MODEL : model;
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
      throw new DomainSpecError(
        "spec.domain.cpu.model",
        `${JSON.stringify(name)} is not a CPU model name`,
      );
    }
    cpuEl = el(
      "cpu",
      { mode: "custom", match: "exact", check: "none" },
      el("model", { fallback: "forbid" }, name),
      topologyEl,
      features,
    );
  }
  return [el("vcpu", { placement: "static" }, String(vcpus)), cpuEl];
}

/** Guest memory in KiB: `memory.guest`, else the memory request, else the limit. */
export function memoryKiBOf(spec: VirtualMachineInstanceSpec): number {
  const domain = spec.domain;
  if (domain.memory?.hugepages) unsupported("spec.domain.memory.hugepages", "hugepages");
  const candidates: [string, string | number | undefined][] = [
    ["spec.domain.memory.guest", domain.memory?.guest],
    ["spec.domain.resources.requests.memory", domain.resources?.requests?.["memory"]],
    ["spec.domain.resources.limits.memory", domain.resources?.limits?.["memory"]],
  ];
  const found = candidates.find(([, q]) => q !== undefined);
  if (!found) {
    throw new DomainSpecError(
      "spec.domain.memory.guest",
      "guest memory or a memory request must be set",
    );
  }
  const [path, quantity] = found;
  const bytes = quantityOrThrow(quantity!, path).value;
  if (bytes < 1024n * 1024n) throw new DomainSpecError(path, "must be at least 1Mi");
  return Number((bytes + 1023n) / 1024n);
}

function quantityOrThrow(quantity: string | number, path: string) {
  try {
    return parseQuantity(quantity);
  } catch (error) {
    if (error instanceof QuantityError) throw new DomainSpecError(path, error.message);
    throw error;
  }
}
