// A preference's requirements: the fewest vCPUs and least memory the instance type (or, with
// none, the VM itself) must give, with KubeVirt's messages.
import type { InstancetypeSpec, PreferenceSpec } from "./instancetype.ts";
import { parseQuantity } from "./quantity.ts";
import { vcpusOf } from "./vcpus.ts";
import type { VirtualMachineInstanceSpec } from "./vmi_spec.ts";

/** One unmet requirement: the VM field that falls short and why. */
export interface UnmetRequirement {
  path: readonly string[];
  message: string;
}

/** The requirements of `preference` that the instance type or the template does not meet. */
export function unmetRequirements(
  preference: PreferenceSpec,
  instancetype: InstancetypeSpec | undefined,
  template: VirtualMachineInstanceSpec,
): UnmetRequirement[] {
  const required = preference.requirements;
  if (!required) return [];
  const unmet: UnmetRequirement[] = [];
  if (required.cpu) {
    const vcpus = instancetype ? instancetype.cpu.guest : vcpusOf(template);
    if (vcpus < required.cpu.guest) {
      unmet.push(
        instancetype
          ? {
            path: ["spec", "instancetype"],
            message: `insufficient CPU resources of ${vcpus} vCPU provided by instance type, ` +
              `preference requires ${required.cpu.guest} vCPU`,
          }
          : {
            path: ["spec", "template", "spec", "domain", "cpu"],
            message: `insufficient CPU resources of ${vcpus} vCPU provided by VirtualMachine, ` +
              `preference requires ${required.cpu.guest} vCPU`,
          },
      );
    }
  }
  if (required.memory) {
    const guest = instancetype?.memory.guest ?? template.domain.memory?.guest ??
      template.domain.resources?.requests?.memory;
    const has = guest === undefined ? 0n : parseQuantity(guest).value;
    if (has < parseQuantity(required.memory.guest).value) {
      const shown = guest ?? "0";
      unmet.push(
        instancetype
          ? {
            path: ["spec", "instancetype"],
            message: `insufficient Memory resources of ${shown} provided by instance type, ` +
              `preference requires ${required.memory.guest}`,
          }
          : {
            path: ["spec", "template", "spec", "domain", "memory"],
            message: `insufficient Memory resources of ${shown} provided by VirtualMachine, ` +
              `preference requires ${required.memory.guest}`,
          },
      );
    }
  }
  return unmet;
}
