/** vCPUs, CPU model and guest memory. */
import {
  CPU_MODEL_NAME,
  cpuQuantityOf,
  type CpuTopology,
  cpuTopologyOf as topologyOfSpec,
  guestMemoryOf,
  MAX_VCPUS,
  MIN_MEMORY_BYTES,
  QuantityError,
  type VirtualMachineInstanceSpec,
} from "../../api/mod.ts";
import { DomainSpecError } from "./errors.ts";
import type { NodeFacts } from "./types.ts";
import { el, type XmlElement } from "./xml.ts";

// The model a TCG guest gets when it asks for the host's CPU: a baseline every QEMU emulates.
export const TCG_DEFAULT_MODEL = "qemu64";

/** The guest's topology, as KubeVirt computes it (api/vcpus.ts), within denovirt's limit. */
export function cpuTopologyOf(spec: VirtualMachineInstanceSpec): CpuTopology {
  let topology: CpuTopology;
  try {
    topology = topologyOfSpec(spec);
  } catch (error) {
    if (!(error instanceof QuantityError)) throw error;
    const path = `spec.domain.resources.${cpuQuantityOf(spec)?.path}.cpu`;
    throw new DomainSpecError(path, error.message);
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
    if (!CPU_MODEL_NAME.test(name)) {
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
  const memory = guestMemoryOf(spec);
  if (!memory) {
    throw new DomainSpecError(
      "spec.domain.memory.guest",
      "guest memory or a memory request must be set",
    );
  }
  const path = memory.path.join(".");
  if (memory.bytes === undefined) {
    throw new DomainSpecError(
      `spec.${path}`,
      `${JSON.stringify(memory.quantity)} is not a quantity`,
    );
  }
  if (memory.bytes < MIN_MEMORY_BYTES) {
    throw new DomainSpecError(`spec.${path}`, "must be greater than or equal to 1M");
  }
  return Number((memory.bytes + 1023n) / 1024n);
}
