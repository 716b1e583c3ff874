// Expanding an instance type and a preference into a VMI spec, as KubeVirt's pkg/instancetype/
// apply does: the instance type's fields win, and a template that sets one of them too is a
// conflict; the preference fills only what the template left unset. Pure; shared by the webhooks
// (admission names the conflicts) and the VM controller (the VMI it creates).
import type { InstancetypeSpec, PreferenceSpec, PreferredCpuTopology } from "./instancetype.ts";
import { applyPreference } from "./preference_apply.ts";
import { formatBinaryQuantity, parseQuantity } from "./quantity.ts";
import type { CpuTopology } from "./vcpus.ts";
import type { VirtualMachineInstanceSpec } from "./vmi_spec.ts";

/** A field path below the template (`["spec", "domain", "cpu", "sockets"]`, `["metadata", ...]`). */
export type TemplatePath = readonly string[];

/** KubeVirt's message for a template field the instance type also sets. */
export function conflictMessage(field: string): string {
  return `VM field(s) ${field} conflicts with selected instance type`;
}

/** What expanding gave: the VMI spec and annotations, or the template fields that conflict. */
export interface Expansion {
  spec: VirtualMachineInstanceSpec;
  annotations: Record<string, string>;
  conflicts: TemplatePath[];
}

/** The template `spec` (with its `annotations`) after the instance type and preference. */
export function expandInstancetype(
  template: VirtualMachineInstanceSpec,
  templateAnnotations: Record<string, string> | undefined,
  instancetype: InstancetypeSpec | undefined,
  preference: PreferenceSpec | undefined,
): Expansion {
  const spec = structuredClone(template);
  const annotations = { ...templateAnnotations };
  const conflicts: TemplatePath[] = [];
  if (instancetype) {
    conflicts.push(...applyCpu(spec, instancetype, preference));
    conflicts.push(...applyMemory(spec, instancetype));
    conflicts.push(...applyScheduling(spec, instancetype));
    for (const [key, value] of Object.entries(instancetype.annotations ?? {})) {
      if (key in annotations && annotations[key] !== value) {
        conflicts.push(["metadata", "annotations", key]);
      } else annotations[key] = value;
    }
  }
  if (preference) applyPreference(spec, annotations, preference);
  return { spec, annotations, conflicts };
}

const spec = (...rest: string[]): TemplatePath => ["spec", ...rest];

function applyCpu(
  vmi: VirtualMachineInstanceSpec,
  instancetype: InstancetypeSpec,
  preference: PreferenceSpec | undefined,
): TemplatePath[] {
  const cpu = vmi.domain.cpu ?? {};
  const resources = vmi.domain.resources;
  const conflicts: TemplatePath[] = [];
  if (resources?.requests?.cpu !== undefined) {
    conflicts.push(spec("domain", "resources", "requests", "cpu"));
  }
  if (resources?.limits?.cpu !== undefined) {
    conflicts.push(spec("domain", "resources", "limits", "cpu"));
  }
  for (const field of ["sockets", "cores", "threads"] as const) {
    if (cpu[field]) conflicts.push(spec("domain", "cpu", field));
  }
  if (cpu.model && instancetype.cpu.model !== undefined) {
    conflicts.push(spec("domain", "cpu", "model"));
  }
  if (cpu.maxSockets && instancetype.cpu.maxSockets !== undefined) {
    conflicts.push(spec("domain", "cpu", "maxSockets"));
  }
  if (conflicts.length > 0) return conflicts;
  vmi.domain.cpu = {
    ...cpu,
    ...(instancetype.cpu.model !== undefined ? { model: instancetype.cpu.model } : {}),
    ...(instancetype.cpu.maxSockets !== undefined
      ? { maxSockets: instancetype.cpu.maxSockets }
      : {}),
    ...guestTopology(instancetype.cpu.guest, preference),
  };
  return [];
}

/** How `vcpus` are laid out under the preference's topology (KubeVirt's default: sockets). */
export function guestTopology(vcpus: number, preference?: PreferenceSpec): CpuTopology {
  const topology = { sockets: 1, cores: 1, threads: 1 };
  if (vcpus === 1) return topology;
  const preferred: PreferredCpuTopology = preference?.cpu?.preferredCPUTopology ?? "preferSockets";
  switch (preferred) {
    case "preferCores":
    case "cores":
      return { ...topology, cores: vcpus };
    case "preferThreads":
    case "threads":
      return { ...topology, threads: vcpus };
    case "preferSpread":
    case "spread": {
      const ratio = preference?.cpu?.spreadOptions?.ratio ??
        (preference?.preferSpreadSocketToCoreRatio || 2);
      const across = preference?.cpu?.spreadOptions?.across ?? "SocketsCores";
      if (across === "CoresThreads") {
        return { sockets: 1, cores: Math.floor(vcpus / ratio), threads: ratio };
      }
      if (across === "SocketsCoresThreads") {
        return { sockets: Math.floor(vcpus / 2 / ratio), cores: ratio, threads: 2 };
      }
      return { sockets: Math.floor(vcpus / ratio), cores: ratio, threads: 1 };
    }
    default:
      return { ...topology, sockets: vcpus };
  }
}

function applyMemory(vmi: VirtualMachineInstanceSpec, instancetype: InstancetypeSpec) {
  const memory = vmi.domain.memory ?? {};
  const resources = vmi.domain.resources;
  if (memory.guest !== undefined) return [spec("domain", "memory", "guest")];
  if (memory.maxGuest !== undefined && instancetype.memory.maxGuest !== undefined) {
    return [spec("domain", "memory", "maxGuest")];
  }
  if (resources?.requests?.memory !== undefined) {
    return [spec("domain", "resources", "requests", "memory")];
  }
  if (resources?.limits?.memory !== undefined) {
    return [spec("domain", "resources", "limits", "memory")];
  }
  const guest = instancetype.memory.guest;
  vmi.domain.memory = {
    ...memory,
    guest,
    ...(instancetype.memory.maxGuest !== undefined
      ? { maxGuest: instancetype.memory.maxGuest }
      : {}),
  };
  const overcommit = instancetype.memory.overcommitPercent ?? 0;
  if (overcommit > 0) {
    // The launcher pod requests less than the guest sees, by the given percentage.
    const bytes = parseQuantity(guest).value * BigInt(100 - overcommit) / 100n;
    vmi.domain.resources = {
      ...resources,
      requests: { ...resources?.requests, memory: formatBinaryQuantity(bytes) },
    };
  }
  return [];
}

function applyScheduling(vmi: VirtualMachineInstanceSpec, instancetype: InstancetypeSpec) {
  const conflicts: TemplatePath[] = [];
  if (instancetype.nodeSelector !== undefined) {
    if (vmi.nodeSelector !== undefined) conflicts.push(spec("nodeSelector"));
    else vmi.nodeSelector = { ...instancetype.nodeSelector };
  }
  if (instancetype.schedulerName) {
    if (vmi.schedulerName) conflicts.push(spec("schedulerName"));
    else vmi.schedulerName = instancetype.schedulerName;
  }
  if (instancetype.ioThreadsPolicy !== undefined) {
    if (vmi.domain.ioThreadsPolicy !== undefined) conflicts.push(spec("domain", "ioThreadsPolicy"));
    else vmi.domain.ioThreadsPolicy = instancetype.ioThreadsPolicy;
  }
  return conflicts;
}
