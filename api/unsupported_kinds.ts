// What denovirt cannot honour of VirtualMachines (beyond their template, api/unsupported.ts),
// VirtualMachineInstanceMigrations and DataVolumes.
import type { DataVolumeSourceKind, DataVolumeSpec } from "./data_volume.ts";
import { SUPPORTED_IMAGE_ARCHITECTURE } from "./storage_annotations.ts";
import {
  notSupported,
  type Refusal,
  type UnsupportedField,
  unsupportedFields,
} from "./refusals.ts";

/** Fields of a VirtualMachine's spec denovirt cannot honour. */
export const UNSUPPORTED_VM_SPEC_FIELDS: readonly UnsupportedField[] = [
  { path: ["runStrategy"], used: (v) => v === "WaitAsReceiver", why: "no decentralized migration" },
];

/** DataVolume sources the agent imports from. */
export const SUPPORTED_DATA_VOLUME_SOURCES: readonly DataVolumeSourceKind[] = [
  "http",
  "registry",
  "blank",
  "pvc",
];

/** Fields of a DataVolume's spec denovirt cannot honour (besides sources). */
export const UNSUPPORTED_DATA_VOLUME_SPEC_FIELDS: readonly UnsupportedField[] = [
  { path: ["sourceRef"], why: "no DataSources; give the source itself" },
  { path: ["checkpoints"] },
  { path: ["finalCheckpoint"], used: (v) => v === true },
  { path: ["contentType"], used: (v) => v === "archive", why: "disk images only" },
  { path: ["source", "http", "secretExtraHeaders"], why: "give headers in extraHeaders" },
  {
    path: ["source", "registry", "imageStream"],
    why: "image streams are OpenShift's; give the image's docker:// url",
  },
  {
    path: ["source", "registry", "platform", "architecture"],
    used: (v) => v !== undefined && v !== "" && v !== SUPPORTED_IMAGE_ARCHITECTURE,
    why: `${SUPPORTED_IMAGE_ARCHITECTURE} images only`,
  },
  { path: ["pvc", "volumeMode"], used: (v) => v === "Block", why: "filesystem volumes only" },
  { path: ["storage", "volumeMode"], used: (v) => v === "Block", why: "filesystem volumes only" },
];

/** Everything in a DataVolume spec denovirt cannot honour. */
export function unsupportedInDataVolumeSpec(spec: DataVolumeSpec): Refusal[] {
  const refusals = unsupportedFields(spec, UNSUPPORTED_DATA_VOLUME_SPEC_FIELDS);
  for (const [source, value] of Object.entries(spec.source ?? {})) {
    const kind = source as DataVolumeSourceKind;
    if (value !== undefined && !SUPPORTED_DATA_VOLUME_SOURCES.includes(kind)) {
      const why = `supported sources: ${SUPPORTED_DATA_VOLUME_SOURCES.join(", ")}`;
      refusals.push(notSupported(["source", source], why));
    }
  }
  return refusals;
}
