// What denovirt cannot honour of the KubeVirt API: the contract between the webhooks, which refuse
// it at admission, and the agent, which refuses it again before it renders a domain, so that
// nothing admitted fails at start for its spec. A listed field is refused with
// "<path>: not supported by denovirt (<why>)", never silently dropped. To support a feature,
// make the agent honour it, then remove its entry here.
import { INTERFACE_BINDINGS, type InterfaceBinding } from "./devices.ts";
import {
  EACH,
  type NodeOffers,
  notSupported,
  type Refusal,
  type UnsupportedField,
  unsupportedFields,
} from "./refusals.ts";
import { MAX_VCPUS, vcpusOf } from "./vcpus.ts";
import type { VirtualMachineInstanceSpec } from "./vmi_spec.ts";
import { NETWORK_SOURCES, VOLUME_SOURCES, type VolumeSourceKind } from "./volumes.ts";

const isTrue = (value: unknown) => value === true;
const DISKS = ["domain", "devices", "disks", EACH] as const;
const INTERFACES = ["domain", "devices", "interfaces", EACH] as const;

/** Fields of a VMI spec (VMIs, VM and replica set templates) denovirt cannot honour. */
export const UNSUPPORTED_VMI_SPEC_FIELDS: readonly UnsupportedField[] = [
  { path: ["architecture"], used: (v) => !!v && v !== "amd64", why: "only amd64" },
  { path: ["domain", "launchSecurity"], why: "no confidential computing" },
  {
    path: ["domain", "ioThreadsPolicy"],
    used: (v) => v !== undefined && v !== "shared",
    why: "the shared IO threads policy only",
  },
  { path: ["domain", "cpu", "dedicatedCpuPlacement"], used: isTrue, why: "no CPU pinning" },
  { path: ["domain", "cpu", "isolateEmulatorThread"], used: isTrue, why: "no CPU pinning" },
  { path: ["domain", "cpu", "realtime"], why: "no realtime vCPUs" },
  { path: ["domain", "cpu", "numa"], why: "no NUMA placement" },
  { path: ["domain", "memory", "hugepages"], why: "no hugepages" },
  { path: ["domain", "firmware", "acpi"], why: "no ACPI SLIC or MSDM tables" },
  {
    path: ["domain", "firmware", "kernelBoot"],
    why: "no kernel boot from a container image",
    unlessNodeOffers: "hostKernel",
  },
  { path: ["domain", "features", "hyperv", "tlbflush", "direct"], why: "no direct TLB flush" },
  { path: ["domain", "features", "hyperv", "tlbflush", "extended"], why: "no extended TLB flush" },
  { path: ["domain", "devices", "gpus"], why: "no device passthrough" },
  { path: ["domain", "devices", "hostDevices"], why: "no device passthrough" },
  { path: ["domain", "devices", "filesystems"], why: "no virtiofs" },
  { path: ["domain", "devices", "panicDevices"], why: "no panic devices" },
  { path: ["domain", "devices", "downwardMetrics"], why: "no downward metrics" },
  { path: ["domain", "devices", "clientPassthrough"], why: "no USB client passthrough" },
  { path: ["domain", "devices", "sound"], why: "no sound devices" },
  {
    path: ["domain", "devices", "tpm"],
    used: (v) => v !== undefined && (v as { enabled?: boolean }).enabled !== false,
    why: "no TPM",
  },
  { path: ["domain", "devices", "video"], why: "no graphics console" },
  { path: ["domain", "devices", "autoattachVSOCK"], used: isTrue, why: "no VSOCK" },
  { path: ["domain", "devices", "watchdog", "diag288"], why: "the s390 watchdog" },
  { path: [...DISKS, "dedicatedIOThread"], used: isTrue, why: "no dedicated IO threads" },
  { path: [...DISKS, "changedBlockTracking"], used: isTrue, why: "no changed block tracking" },
  {
    path: [...DISKS, "blockSize", "matchVolume", "enabled"],
    used: isTrue,
    why: "block sizes are set by hand",
  },
  {
    path: [...DISKS, "blockSize", "custom", "discardGranularity"],
    why: "no custom discard granularity",
  },
  {
    path: [...DISKS, "lun"],
    why: "a LUN needs a block volume, and denovirt's local volumes are files",
    unlessNodeOffers: "blockVolumes",
  },
  { path: [...DISKS, "lun", "reservation"], used: isTrue, why: "no SCSI persistent reservation" },
  { path: [...INTERFACES, "portRanges"], why: "forward single ports with ports" },
  { path: [...INTERFACES, "dhcpOptions"], why: "no DHCP options" },
  { path: ["accessCredentials"], why: "no credential propagation" },
  { path: ["resourceClaims"], why: "no dynamic resource allocation" },
  { path: ["utilityVolumes"], why: "no utility volumes" },
];

/** Volume sources the agent prepares. */
export const SUPPORTED_VOLUME_SOURCES: readonly VolumeSourceKind[] = [
  "containerDisk",
  "persistentVolumeClaim",
  "dataVolume",
  "ephemeral",
  "cloudInitNoCloud",
  "cloudInitConfigDrive",
  "emptyDisk",
  "hostDisk",
];
/** Why a volume source is refused, where a general "supported: ..." would not help. */
export const VOLUME_SOURCE_NOTES: Partial<Record<VolumeSourceKind, string>> = {};
/** Interface bindings on the pod network. */
export const SUPPORTED_INTERFACE_BINDINGS: readonly InterfaceBinding[] = ["masquerade", "bridge"];
/** Network sources. */
export const SUPPORTED_NETWORK_SOURCES: readonly string[] = ["pod"];
/** Resource names in `domain.resources` requests and limits. */
export const SUPPORTED_RESOURCES: readonly string[] = ["cpu", "memory", "ephemeral-storage"];

/** Everything in a VMI spec denovirt cannot honour on a node offering `offers`. */
export function unsupportedInVmiSpec(
  spec: VirtualMachineInstanceSpec,
  offers: NodeOffers = {},
): Refusal[] {
  const refusals = unsupportedFields(spec, UNSUPPORTED_VMI_SPEC_FIELDS, offers);
  spec.volumes?.forEach((volume, i) => {
    for (const source of VOLUME_SOURCES) {
      if (volume[source] === undefined || SUPPORTED_VOLUME_SOURCES.includes(source)) continue;
      const why = VOLUME_SOURCE_NOTES[source] ??
        `supported volume sources: ${SUPPORTED_VOLUME_SOURCES.join(", ")}`;
      refusals.push(notSupported(["volumes", i, source], why));
    }
  });
  spec.domain.devices.interfaces?.forEach((iface, i) => {
    for (const binding of INTERFACE_BINDINGS) {
      if (iface[binding] === undefined || SUPPORTED_INTERFACE_BINDINGS.includes(binding)) continue;
      const why = `supported bindings: ${SUPPORTED_INTERFACE_BINDINGS.join(", ")}`;
      refusals.push(notSupported(["domain", "devices", "interfaces", i, binding], why));
    }
    if (iface.bridge !== undefined && (iface.ports ?? []).length > 0) {
      refusals.push(notSupported(
        ["domain", "devices", "interfaces", i, "ports"],
        "ports are forwarded by masquerade; a bridge-bound guest holds the pod IP itself",
      ));
    }
  });
  spec.networks?.forEach((network, i) => {
    for (const source of NETWORK_SOURCES) {
      if (network[source] === undefined || SUPPORTED_NETWORK_SOURCES.includes(source)) continue;
      const why = `supported networks: ${SUPPORTED_NETWORK_SOURCES.join(", ")}`;
      refusals.push(notSupported(["networks", i, source], why));
    }
  });
  for (const kind of ["requests", "limits"] as const) {
    for (const name of Object.keys(spec.domain.resources?.[kind] ?? {})) {
      if (SUPPORTED_RESOURCES.includes(name)) continue;
      const why = `supported resources: ${SUPPORTED_RESOURCES.join(", ")}`;
      refusals.push(notSupported(["domain", "resources", kind, name], why));
    }
  }
  return [...refusals, ...unsupportedCpuUse(spec)];
}

/** Too many vCPUs. */
function unsupportedCpuUse(spec: VirtualMachineInstanceSpec): Refusal[] {
  let vcpus: number;
  try {
    vcpus = vcpusOf(spec);
  } catch {
    return []; // a CPU quantity that does not parse: the schema refuses it
  }
  if (vcpus > MAX_VCPUS) {
    return [notSupported(["domain", "cpu"], `${vcpus} vCPUs: at most ${MAX_VCPUS}`)];
  }
  return [];
}
