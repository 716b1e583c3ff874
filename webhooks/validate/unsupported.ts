// What denovirt supports of the KubeVirt and CDI APIs, in one place. A field denovirt knows but
// cannot honour is refused with "<path>: not supported by denovirt", never silently dropped.
// To support a feature, add it to a SUPPORTED_* list or remove its UNSUPPORTED_* entry.
import {
  type DataVolumeSpec,
  INTERFACE_BINDINGS,
  NETWORK_SOURCES,
  type VirtualMachineInstanceSpec,
  VOLUME_SOURCES,
} from "../../api/mod.ts";
import { type Cause, cause } from "../review.ts";
import { at, isSet, type Path } from "./paths.ts";

export const NOT_SUPPORTED = "not supported by denovirt";

/** Volume sources. containerDisk is accepted here; the agent refuses it when it runs the VMI. */
export const SUPPORTED_VOLUME_SOURCES: readonly string[] = [
  "containerDisk",
  "persistentVolumeClaim",
  "dataVolume",
  "cloudInitNoCloud",
  "cloudInitConfigDrive",
  "emptyDisk",
  "hostDisk",
];
/** Interface bindings: NAT on the pod network, or a bridge. */
export const SUPPORTED_INTERFACE_BINDINGS: readonly string[] = ["masquerade", "bridge"];
/** Network sources. */
export const SUPPORTED_NETWORK_SOURCES: readonly string[] = ["pod", "multus"];
/** Resource names in `domain.resources` requests and limits. */
export const SUPPORTED_RESOURCES: readonly string[] = ["cpu", "memory", "ephemeral-storage"];
/** DataVolume sources the agent imports from. */
export const SUPPORTED_DATA_VOLUME_SOURCES: readonly string[] = ["http", "blank", "pvc"];

interface UnsupportedField {
  /** Path below the object the rule applies to. */
  path: readonly string[];
  /** When the field counts as used; default: set and not an empty list. */
  used?: (value: unknown) => boolean;
  why?: string;
}

const isTrue = (value: unknown) => value === true;

/** Fields of a VMI spec (VMIs, VM and replica set templates) denovirt cannot honour. */
export const UNSUPPORTED_VMI_SPEC_FIELDS: readonly UnsupportedField[] = [
  { path: ["domain", "devices", "gpus"], why: "no device passthrough" },
  { path: ["domain", "devices", "hostDevices"], why: "no device passthrough" },
  { path: ["domain", "devices", "filesystems"], why: "no virtiofs" },
  { path: ["domain", "devices", "downwardMetrics"] },
  { path: ["domain", "devices", "clientPassthrough"] },
  { path: ["domain", "cpu", "dedicatedCpuPlacement"], used: isTrue, why: "no CPU pinning" },
  { path: ["domain", "cpu", "isolateEmulatorThread"], used: isTrue, why: "no CPU pinning" },
  { path: ["domain", "cpu", "realtime"] },
  { path: ["domain", "cpu", "numa"] },
  { path: ["domain", "memory", "hugepages"] },
  { path: ["domain", "launchSecurity"] },
  { path: ["accessCredentials"] },
  { path: ["resourceClaims"] },
  { path: ["utilityVolumes"] },
];

/** Fields of a VirtualMachine's spec denovirt cannot honour. */
export const UNSUPPORTED_VM_SPEC_FIELDS: readonly UnsupportedField[] = [
  { path: ["instancetype"], why: "no instance types; set CPU and memory in the template" },
  { path: ["preference"], why: "no preferences" },
  { path: ["runStrategy"], used: (v) => v === "WaitAsReceiver", why: "no decentralized migration" },
];

/** Fields of a migration's spec denovirt cannot honour. */
export const UNSUPPORTED_MIGRATION_SPEC_FIELDS: readonly UnsupportedField[] = [
  { path: ["sendTo"], why: "no decentralized migration" },
  { path: ["receive"], why: "no decentralized migration" },
];

/** Fields of a DataVolume's spec denovirt cannot honour (besides sources). */
export const UNSUPPORTED_DATA_VOLUME_SPEC_FIELDS: readonly UnsupportedField[] = [
  { path: ["sourceRef"], why: "no DataSources; give the source itself" },
  { path: ["checkpoints"] },
  { path: ["finalCheckpoint"], used: isTrue },
  { path: ["contentType"], used: (v) => v === "archive", why: "disk images only" },
  { path: ["source", "http", "secretExtraHeaders"], why: "give headers in extraHeaders" },
  { path: ["pvc", "volumeMode"], used: (v) => v === "Block", why: "filesystem volumes only" },
  { path: ["storage", "volumeMode"], used: (v) => v === "Block", why: "filesystem volumes only" },
];

/** Causes for the fields of `object` (at `base`) that `rules` name. */
export function unsupportedFields(
  object: unknown,
  base: Path,
  rules: readonly UnsupportedField[],
): Cause[] {
  const causes: Cause[] = [];
  for (const rule of rules) {
    let value: unknown = object;
    for (const key of rule.path) value = (value as Record<string, unknown> | undefined)?.[key];
    if (rule.used ? rule.used(value) : isSet(value)) {
      causes.push(notSupported(at(base, ...rule.path), rule.why));
    }
  }
  return causes;
}

/** Everything in a VMI spec denovirt cannot honour: fields, volume sources, bindings, networks. */
export function unsupportedInVmiSpec(spec: VirtualMachineInstanceSpec, base: Path): Cause[] {
  const causes = unsupportedFields(spec, base, UNSUPPORTED_VMI_SPEC_FIELDS);
  spec.volumes?.forEach((volume, i) => {
    for (const source of VOLUME_SOURCES) {
      if (volume[source] !== undefined && !SUPPORTED_VOLUME_SOURCES.includes(source)) {
        causes.push(
          notSupported(
            at(base, "volumes", i, source),
            `supported volume sources: ${list(SUPPORTED_VOLUME_SOURCES)}`,
          ),
        );
      }
    }
  });
  spec.domain.devices.interfaces?.forEach((iface, i) => {
    for (const binding of INTERFACE_BINDINGS) {
      if (iface[binding] !== undefined && !SUPPORTED_INTERFACE_BINDINGS.includes(binding)) {
        causes.push(
          notSupported(
            at(base, "domain", "devices", "interfaces", i, binding),
            `supported bindings: ${list(SUPPORTED_INTERFACE_BINDINGS)}`,
          ),
        );
      }
    }
  });
  spec.networks?.forEach((network, i) => {
    for (const source of NETWORK_SOURCES) {
      if (network[source] !== undefined && !SUPPORTED_NETWORK_SOURCES.includes(source)) {
        causes.push(
          notSupported(
            at(base, "networks", i, source),
            `supported networks: ${list(SUPPORTED_NETWORK_SOURCES)}`,
          ),
        );
      }
    }
  });
  for (const kind of ["requests", "limits"] as const) {
    for (const name of Object.keys(spec.domain.resources?.[kind] ?? {})) {
      if (!SUPPORTED_RESOURCES.includes(name)) {
        causes.push(
          notSupported(
            at(base, "domain", "resources", kind, name),
            `supported resources: ${list(SUPPORTED_RESOURCES)}`,
          ),
        );
      }
    }
  }
  return causes;
}

/** Everything in a DataVolume spec denovirt cannot honour. */
export function unsupportedInDataVolumeSpec(spec: DataVolumeSpec, base: Path): Cause[] {
  const causes = unsupportedFields(spec, base, UNSUPPORTED_DATA_VOLUME_SPEC_FIELDS);
  for (const [source, value] of Object.entries(spec.source ?? {})) {
    if (value !== undefined && !SUPPORTED_DATA_VOLUME_SOURCES.includes(source)) {
      causes.push(
        notSupported(
          at(base, "source", source),
          `supported sources: ${list(SUPPORTED_DATA_VOLUME_SOURCES)}`,
        ),
      );
    }
  }
  return causes;
}

/** `<path>: not supported by denovirt (why)`. */
export function notSupported(field: string, why?: string): Cause {
  return cause(field, why ? `${NOT_SUPPORTED} (${why})` : NOT_SUPPORTED, "FieldValueNotSupported");
}

function list(items: readonly string[]): string {
  return items.join(", ");
}
