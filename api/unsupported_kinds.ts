// What denovirt cannot honour of VirtualMachines (beyond their template, api/unsupported.ts),
// VirtualMachineInstanceMigrations and DataVolumes.
import type { DataVolumeSpec } from "./data_volume.ts";
import {
  notSupported,
  type Refusal,
  type UnsupportedField,
  unsupportedFields,
} from "./refusals.ts";

/** Why migrations are refused, in the webhooks and in the `migrate` subresource alike. */
export const LIVE_MIGRATION_NOT_IMPLEMENTED = "live migration is not implemented in denovirt yet";

/** Fields of a VirtualMachine's spec denovirt cannot honour. */
export const UNSUPPORTED_VM_SPEC_FIELDS: readonly UnsupportedField[] = [
  { path: ["instancetype"], why: "no instance types; set CPU and memory in the template" },
  { path: ["preference"], why: "no preferences" },
  { path: ["runStrategy"], used: (v) => v === "WaitAsReceiver", why: "no decentralized migration" },
];

/** DataVolume sources the agent imports from. */
export const SUPPORTED_DATA_VOLUME_SOURCES: readonly string[] = ["http", "blank", "pvc"];

/** Fields of a DataVolume's spec denovirt cannot honour (besides sources). */
export const UNSUPPORTED_DATA_VOLUME_SPEC_FIELDS: readonly UnsupportedField[] = [
  { path: ["sourceRef"], why: "no DataSources; give the source itself" },
  { path: ["checkpoints"] },
  { path: ["finalCheckpoint"], used: (v) => v === true },
  { path: ["contentType"], used: (v) => v === "archive", why: "disk images only" },
  { path: ["source", "http", "secretExtraHeaders"], why: "give headers in extraHeaders" },
  { path: ["pvc", "volumeMode"], used: (v) => v === "Block", why: "filesystem volumes only" },
  { path: ["storage", "volumeMode"], used: (v) => v === "Block", why: "filesystem volumes only" },
];

/** Everything in a DataVolume spec denovirt cannot honour. */
export function unsupportedInDataVolumeSpec(spec: DataVolumeSpec): Refusal[] {
  const refusals = unsupportedFields(spec, UNSUPPORTED_DATA_VOLUME_SPEC_FIELDS);
  for (const [source, value] of Object.entries(spec.source ?? {})) {
    if (value !== undefined && !SUPPORTED_DATA_VOLUME_SOURCES.includes(source)) {
      const why = `supported sources: ${SUPPORTED_DATA_VOLUME_SOURCES.join(", ")}`;
      refusals.push(notSupported(["source", source], why));
    }
  }
  return refusals;
}
