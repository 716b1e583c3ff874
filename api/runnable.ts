// Every reason, knowable from a VMI spec alone, why the agent could not run it: what denovirt
// cannot honour (api/unsupported.ts) and the values its domain renderer cannot use. The webhooks
// refuse these at admission; the agent checks them again before it renders a domain.
import { notACidr, parseCidr } from "./cidr.ts";
import type { Clock } from "./domain.ts";
import { parseQuantity } from "./quantity.ts";
import type { NodeOffers, Refusal } from "./refusals.ts";
import { unsupportedInVmiSpec } from "./unsupported.ts";
import type { VirtualMachineInstanceSpec } from "./vmi_spec.ts";

/** A libvirt CPU model name (anything else cannot be one, and could break the XML around it). */
export const CPU_MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
/** KubeVirt's smallest memory: 1M (10^6 bytes). */
export const MIN_MEMORY_BYTES = 1_000_000n;
/** KubeVirt's timers and the fields each takes (`present`, `tickPolicy`, `track`). */
export const CLOCK_TIMER_FIELDS: Readonly<Record<string, readonly string[]>> = {
  hpet: ["present", "tickPolicy"],
  pit: ["present", "tickPolicy"],
  rtc: ["present", "tickPolicy", "track"],
  kvm: ["present"],
  hyperv: ["present"],
};
export const TICK_POLICIES: readonly string[] = ["delay", "catchup", "merge", "discard"];
export const TIMER_TRACKS: readonly string[] = ["guest", "wall"];

/** Every refusal of `spec` on a node offering `offers` (admission: none). */
export function refusalsOfVmiSpec(
  spec: VirtualMachineInstanceSpec,
  offers: NodeOffers = {},
): Refusal[] {
  return [...unsupportedInVmiSpec(spec, offers), ...unusableValuesIn(spec)];
}

/** Values the domain renderer cannot use: models, buses, CIDRs, timers, memory. */
export function unusableValuesIn(spec: VirtualMachineInstanceSpec): Refusal[] {
  const refusals: Refusal[] = [];
  const invalid = (path: (string | number)[], message: string) =>
    refusals.push({ path, message, notSupported: false });
  const model = spec.domain.cpu?.model;
  if (model && model !== "host-model" && model !== "host-passthrough") {
    if (!CPU_MODEL_NAME.test(model)) {
      invalid(["domain", "cpu", "model"], `${JSON.stringify(model)} is not a CPU model name`);
    }
  }
  spec.domain.devices.disks?.forEach((disk, i) => {
    const path = ["domain", "devices", "disks", i];
    if (disk.cdrom?.bus === "virtio") {
      invalid([...path, "cdrom", "bus"], "Bus type virtio is invalid for CD-ROM device");
    }
    if (disk.disk?.pciAddress !== undefined && (disk.disk.bus ?? "virtio") !== "virtio") {
      invalid(
        [...path, "disk", "pciAddress"],
        "setting a PCI address is only possible with bus type virtio",
      );
    }
  });
  spec.networks?.forEach((network, i) => {
    const v4 = network.pod?.vmNetworkCIDR;
    if (v4 !== undefined && !parseCidr(v4, 4)) {
      invalid(["networks", i, "pod", "vmNetworkCIDR"], notACidr(v4, 4));
    }
    const v6 = network.pod?.vmIPv6NetworkCIDR;
    if (v6 !== undefined && !parseCidr(v6, 6)) {
      invalid(["networks", i, "pod", "vmIPv6NetworkCIDR"], notACidr(v6, 6));
    }
  });
  spec.volumes?.forEach((volume, i) => {
    if (volume.ephemeral && !volume.ephemeral.persistentVolumeClaim) {
      invalid(["volumes", i, "ephemeral", "persistentVolumeClaim"], "Required value");
    }
  });
  refusals.push(...unusableTimers(spec.domain.clock));
  const memory = guestMemoryOf(spec);
  if (memory && memory.bytes !== undefined && memory.bytes < MIN_MEMORY_BYTES) {
    invalid(
      memory.path,
      `${JSON.stringify(String(memory.quantity))}: must be greater than or equal to 1M`,
    );
  }
  return refusals;
}

/** The guest's memory: `memory.guest`, else the memory request, else the limit. */
export function guestMemoryOf(spec: VirtualMachineInstanceSpec):
  | { path: string[]; quantity: string | number; bytes: bigint | undefined }
  | undefined {
  const domain = spec.domain;
  const candidates: [string[], string | number | undefined][] = [
    [["domain", "memory", "guest"], domain.memory?.guest],
    [["domain", "resources", "requests", "memory"], domain.resources?.requests?.["memory"]],
    [["domain", "resources", "limits", "memory"], domain.resources?.limits?.["memory"]],
  ];
  const found = candidates.find(([, quantity]) => quantity !== undefined);
  if (!found) return undefined;
  const [path, quantity] = found as [string[], string | number];
  let bytes: bigint | undefined;
  try {
    bytes = parseQuantity(quantity).value;
  } catch {
    bytes = undefined; // the schema refuses a quantity that does not parse
  }
  return { path, quantity, bytes };
}

function unusableTimers(clock: Clock | undefined): Refusal[] {
  const refusals: Refusal[] = [];
  for (const [name, timer] of Object.entries(clock?.timer ?? {})) {
    if (timer === undefined || timer === null) continue;
    const known = CLOCK_TIMER_FIELDS[name] ?? [];
    for (const [field, value] of Object.entries(timer as Record<string, unknown>)) {
      const message = !known.includes(field)
        ? "unknown field"
        : field === "present" && typeof value !== "boolean"
        ? "must be a boolean"
        : field === "tickPolicy" && !TICK_POLICIES.includes(value as string)
        ? `must be one of ${TICK_POLICIES.join(", ")}`
        : field === "track" && !TIMER_TRACKS.includes(value as string)
        ? `must be one of ${TIMER_TRACKS.join(", ")}`
        : undefined;
      if (message) {
        refusals.push({
          path: ["domain", "clock", "timer", name, field],
          message,
          notSupported: false,
        });
      }
    }
  }
  return refusals;
}
