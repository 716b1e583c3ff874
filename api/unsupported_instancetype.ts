// What denovirt cannot honour of instance types and preferences: refused when the object is
// admitted, so that a VM that references one never fails at start for it.
import type { UnsupportedField } from "./refusals.ts";

const isTrue = (value: unknown) => value === true;

/** Fields of an instance type's spec denovirt cannot honour. */
export const UNSUPPORTED_INSTANCETYPE_SPEC_FIELDS: readonly UnsupportedField[] = [
  { path: ["cpu", "dedicatedCPUPlacement"], used: isTrue, why: "no CPU pinning" },
  { path: ["cpu", "isolateEmulatorThread"], used: isTrue, why: "no CPU pinning" },
  { path: ["cpu", "numa"], why: "no NUMA placement" },
  { path: ["cpu", "realtime"], why: "no realtime vCPUs" },
  { path: ["memory", "hugepages"], why: "no hugepages" },
  { path: ["gpus"], why: "no device passthrough" },
  { path: ["hostDevices"], why: "no device passthrough" },
  {
    path: ["ioThreadsPolicy"],
    used: (v) => v !== undefined && v !== "shared",
    why: "the shared IO threads policy only",
  },
  { path: ["ioThreads"], why: "the shared IO threads policy only" },
  { path: ["launchSecurity"], why: "no confidential computing" },
];

/** Fields of a preference's spec denovirt cannot honour. */
export const UNSUPPORTED_PREFERENCE_SPEC_FIELDS: readonly UnsupportedField[] = [
  { path: ["devices", "preferredVirtualGPUOptions"], why: "no device passthrough" },
  { path: ["devices", "preferredSoundModel"], why: "no sound devices" },
  {
    path: ["devices", "preferredDiskDedicatedIoThread"],
    used: isTrue,
    why: "no dedicated IO threads",
  },
  { path: ["devices", "preferredDiskBlockSize"], why: "block sizes are set on each disk" },
  { path: ["devices", "preferredTPM"], why: "no TPM" },
  { path: ["devices", "preferredPanicDeviceModel"], why: "no panic devices" },
  { path: ["devices", "preferredVideoType"], why: "no graphics console" },
  { path: ["devices", "preferredLunBus"], why: "a LUN needs a block volume" },
  {
    path: ["volumes", "preferredStorageClassName"],
    why: "give the storage class in the DataVolume",
  },
  {
    path: ["preferredArchitecture"],
    used: (v) => v !== undefined && v !== "amd64",
    why: "only amd64",
  },
  {
    path: ["requirements", "architecture"],
    used: (v) => v !== undefined && v !== "amd64",
    why: "only amd64",
  },
];
