// cdi.kubevirt.io/v1beta1 DataVolume: a PVC populated from a source (http, blank, pvc, ...).
import { z } from "zod";
import { PersistentVolumeClaimSpecSchema, StorageSpecSchema } from "./core.ts";
import {
  CDI_API_VERSION,
  ConditionSchema,
  int32,
  marker,
  ObjectMetaSchema,
  oneOf,
  opaqueObject,
  TimeSchema,
} from "./meta.ts";

/** CDI's checksum form, `<algorithm>:<hex digest>` (CDI v1.65+, HTTP sources). */
export const CHECKSUM_RE = /^(md5|sha1|sha256|sha512):[0-9a-fA-F]+$/;

export const HttpSourceSchema = z.strictObject({
  url: z.string().describe("URL of the http(s) endpoint."),
  secretRef: z.string().optional().describe(
    "Secret with accessKeyId (user name) and secretKey (password) for basic auth.",
  ),
  certConfigMap: z.string().optional().describe("ConfigMap with extra CA certificates."),
  extraHeaders: z.array(z.string()).optional().describe("Extra headers for the HTTP request."),
  secretExtraHeaders: z.array(z.string()).optional().describe(
    "Secrets, each holding an extra HTTP header that may be sensitive.",
  ),
  checksum: z.string().regex(CHECKSUM_RE, {
    error: "must be <algorithm>:<hex digest> with algorithm md5, sha1, sha256 or sha512",
  }).optional().describe(
    "Expected checksum of the downloaded file, <algorithm>:<hex digest> (md5, sha1, sha256, sha512).",
  ),
});
export type HttpSource = z.infer<typeof HttpSourceSchema>;

export const RegistrySourceSchema = z.strictObject({
  url: z.string().optional().describe(
    "docker://[host[:port]/]repository[:tag|@digest] of a containerDisk image.",
  ),
  imageStream: z.string().optional().describe("Name of an OpenShift image stream to import."),
  pullMethod: z.enum(["pod", "node"]).optional().describe(
    'How the image is pulled: "pod" (the default) or "node".',
  ),
  secretRef: z.string().optional().describe(
    "Secret with accessKeyId (user name) and secretKey (password) for the registry.",
  ),
  certConfigMap: z.string().optional().describe(
    "ConfigMap whose values are PEM CA certificates trusted for the registry.",
  ),
  platform: z.strictObject({
    architecture: z.string().optional().describe("CPU architecture of the image to import."),
  }).optional().describe("Which image of a multi-platform index to import."),
});
export type RegistrySource = z.infer<typeof RegistrySourceSchema>;

/** The members of CDI's DataVolumeSource, of which a source sets exactly one. */
export const DATA_VOLUME_SOURCES = [
  "http",
  "blank",
  "pvc",
  "registry",
  "s3",
  "gcs",
  "upload",
  "imageio",
  "vddk",
  "snapshot",
] as const;
export type DataVolumeSourceKind = (typeof DATA_VOLUME_SOURCES)[number];

export const DataVolumeSourceSchema = z
  .strictObject({
    http: HttpSourceSchema.optional().describe("Import from an http(s) URL."),
    blank: marker("Create a blank raw disk image.").optional(),
    pvc: z.strictObject({
      namespace: z.string().describe("Namespace of the source PVC."),
      name: z.string().describe("Name of the source PVC."),
    }).optional().describe("Clone an existing PVC."),
    registry: RegistrySourceSchema.optional().describe(
      "Import the disk of a containerDisk image from an OCI registry.",
    ),
    s3: z.strictObject({
      url: z.string(),
      secretRef: z.string().optional(),
      certConfigMap: z.string().optional(),
    }).optional(),
    gcs: z.strictObject({ url: z.string(), secretRef: z.string().optional() }).optional(),
    upload: marker().optional(),
    imageio: opaqueObject().optional(),
    vddk: opaqueObject().optional(),
    snapshot: z.strictObject({ namespace: z.string(), name: z.string() }).optional(),
  })
  .superRefine(oneOf(DATA_VOLUME_SOURCES, "data volume source", { required: true }));
export type DataVolumeSource = z.infer<typeof DataVolumeSourceSchema>;

export const CONTENT_TYPES = ["kubevirt", "archive"] as const;
export type ContentType = (typeof CONTENT_TYPES)[number];

export const DataVolumeSpecSchema = z
  .strictObject({
    source: DataVolumeSourceSchema.optional().describe("Source of the data."),
    sourceRef: z.strictObject({
      kind: z.enum(["DataSource"]),
      namespace: z.string().optional(),
      name: z.string(),
    }).optional().describe("Indirect reference to the source (a DataSource)."),
    pvc: PersistentVolumeClaimSpecSchema.optional().describe("Spec of the PVC to create."),
    storage: StorageSpecSchema.optional().describe(
      "Storage to request; unlike pvc, CDI may fill in modes and size.",
    ),
    priorityClassName: z.string().optional(),
    contentType: z.enum(CONTENT_TYPES).optional().describe(
      "kubevirt (a disk image, the default) or archive (a tar archive).",
    ),
    checkpoints: z.array(z.strictObject({ previous: z.string(), current: z.string() }))
      .optional(),
    finalCheckpoint: z.boolean().optional(),
    preallocation: z.boolean().optional(),
  })
  .superRefine(oneOf(["source", "sourceRef"], "data source", { required: true }))
  .superRefine(oneOf(["pvc", "storage"], "storage specification", { required: true }));
export type DataVolumeSpec = z.infer<typeof DataVolumeSpecSchema>;

export const DATA_VOLUME_PHASES = [
  "",
  "Pending",
  "PVCBound",
  "ImportScheduled",
  "ImportInProgress",
  "CloneScheduled",
  "CloneInProgress",
  "SnapshotForSmartCloneInProgress",
  "CloneFromSnapshotSourceInProgress",
  "SmartClonePVCInProgress",
  "CSICloneInProgress",
  "ExpansionInProgress",
  "NamespaceTransferInProgress",
  "PrepClaimInProgress",
  "RebindInProgress",
  "UploadScheduled",
  "UploadReady",
  "WaitForFirstConsumer",
  "PendingPopulation",
  "Paused",
  "Succeeded",
  "Failed",
  "Unknown",
] as const;
export type DataVolumePhase = (typeof DATA_VOLUME_PHASES)[number];

export const DataVolumeStatusSchema = z.looseObject({
  phase: z.enum(DATA_VOLUME_PHASES).optional().describe("Current phase of the data volume."),
  progress: z.string().optional().describe('Transfer progress such as "45.20%", or "N/A".'),
  restartCount: int32().optional().describe(
    "Times the pod populating the DataVolume has restarted.",
  ),
  claimName: z.string().optional().describe("Name of the PVC behind the DataVolume."),
  conditions: z.array(ConditionSchema.extend({ lastHeartbeatTime: TimeSchema.optional() }))
    .optional(),
});
export type DataVolumeStatus = z.infer<typeof DataVolumeStatusSchema>;

export const DataVolumeSchema = z.strictObject({
  apiVersion: z.literal(CDI_API_VERSION),
  kind: z.literal("DataVolume"),
  metadata: ObjectMetaSchema,
  spec: DataVolumeSpecSchema,
  status: DataVolumeStatusSchema.optional(),
}).describe(
  "DataVolume is a PersistentVolumeClaim populated with a disk image for VirtualMachines.",
);
export type DataVolume = z.infer<typeof DataVolumeSchema>;
