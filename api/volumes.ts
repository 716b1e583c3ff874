// kubevirt.io/v1 volumes and networks of a VMI spec.
import { z } from "zod";
import { LocalObjectReferenceSchema, marker, oneOf, opaqueList, opaqueObject } from "./meta.ts";
import { QuantitySchema } from "./quantity.ts";

const PULL_POLICIES = ["Always", "Never", "IfNotPresent"] as const;

export const ContainerDiskSourceSchema = z.strictObject({
  image: z.string().describe("Name of the image with the embedded disk."),
  imagePullSecret: z.string().optional(),
  path: z.string().optional().describe("Path to the disk file in the container."),
  imagePullPolicy: z.enum(PULL_POLICIES).optional(),
});
export type ContainerDiskSource = z.infer<typeof ContainerDiskSourceSchema>;

export const PersistentVolumeClaimSourceSchema = z.strictObject({
  claimName: z.string(),
  readOnly: z.boolean().optional(),
  hotpluggable: z.boolean().optional(),
});

/** cloudInitNoCloud and cloudInitConfigDrive take the same fields. */
export const CloudInitSourceSchema = z.strictObject({
  userData: z.string().optional().describe("Inline cloud-init user data."),
  userDataBase64: z.string().optional().describe("Cloud-init user data, base64 encoded."),
  secretRef: LocalObjectReferenceSchema.optional().describe("Secret holding the user data."),
  networkData: z.string().optional().describe("Inline cloud-init network data."),
  networkDataBase64: z.string().optional(),
  networkDataSecretRef: LocalObjectReferenceSchema.optional(),
});
export type CloudInitSource = z.infer<typeof CloudInitSourceSchema>;

export const HOST_DISK_TYPES = ["Disk", "DiskOrCreate"] as const;

/** The members of KubeVirt's VolumeSource, of which a volume sets exactly one. */
export const VOLUME_SOURCES = [
  "containerDisk",
  "persistentVolumeClaim",
  "dataVolume",
  "cloudInitNoCloud",
  "cloudInitConfigDrive",
  "emptyDisk",
  "hostDisk",
  "ephemeral",
  "configMap",
  "secret",
  "serviceAccount",
  "downwardAPI",
  "downwardMetrics",
  "sysprep",
  "memoryDump",
  "containerPath",
] as const;
export type VolumeSourceKind = (typeof VOLUME_SOURCES)[number];

export const VolumeSchema = z
  .strictObject({
    name: z.string().describe("Volume name; a DNS label, unique within the VMI."),
    containerDisk: ContainerDiskSourceSchema.optional().describe(
      "A container image with a qcow2 or raw disk.",
    ),
    persistentVolumeClaim: PersistentVolumeClaimSourceSchema.optional(),
    dataVolume: z.strictObject({
      name: z.string().describe("Name of the DataVolume and of its PVC."),
      hotpluggable: z.boolean().optional(),
    }).optional(),
    cloudInitNoCloud: CloudInitSourceSchema.optional().describe(
      "A cloud-init NoCloud data source attached as a disk.",
    ),
    cloudInitConfigDrive: CloudInitSourceSchema.optional().describe(
      "A cloud-init config drive data source attached as a disk.",
    ),
    emptyDisk: z.strictObject({
      capacity: QuantitySchema.describe("Capacity of the sparse disk."),
    }).optional().describe("A temporary disk that shares the VMI's lifecycle."),
    hostDisk: z.strictObject({
      path: z.string().describe("Path of the disk image on the node."),
      type: z.enum(HOST_DISK_TYPES).describe("Disk (must exist) or DiskOrCreate."),
      capacity: QuantitySchema.optional(),
      shared: z.boolean().optional(),
    }).optional(),
    ephemeral: z.strictObject({
      persistentVolumeClaim: PersistentVolumeClaimSourceSchema.optional(),
    }).optional(),
    configMap: z.strictObject({
      name: z.string().optional(),
      optional: z.boolean().optional(),
      volumeLabel: z.string().optional(),
    }).optional(),
    secret: z.strictObject({
      secretName: z.string().optional(),
      optional: z.boolean().optional(),
      volumeLabel: z.string().optional(),
    }).optional(),
    serviceAccount: z.strictObject({ serviceAccountName: z.string().optional() }).optional(),
    downwardAPI: z.strictObject({
      fields: opaqueList().optional(),
      volumeLabel: z.string().optional(),
    }).optional(),
    downwardMetrics: marker().optional(),
    sysprep: z.strictObject({
      secret: LocalObjectReferenceSchema.optional(),
      configMap: LocalObjectReferenceSchema.optional(),
    }).optional(),
    memoryDump: PersistentVolumeClaimSourceSchema.optional(),
    containerPath: z.strictObject({
      path: z.string(),
      readOnly: z.boolean().optional(),
    }).optional(),
  })
  .superRefine(oneOf(VOLUME_SOURCES, "volume source", { required: true }));
export type Volume = z.infer<typeof VolumeSchema>;

/** The members of KubeVirt's NetworkSource, of which a network sets exactly one. */
export const NETWORK_SOURCES = ["pod", "multus", "resourceClaim"] as const;
export type NetworkSourceKind = (typeof NETWORK_SOURCES)[number];

export const NetworkSchema = z
  .strictObject({
    name: z.string().describe("Network name; a DNS label, unique within the VMI."),
    pod: z.strictObject({
      vmNetworkCIDR: z.string().optional().describe("CIDR of the VM network; default 10.0.2.0/24."),
      vmIPv6NetworkCIDR: z.string().optional(),
    }).optional().describe("The pod network."),
    multus: z.strictObject({
      networkName: z.string().describe(
        "NetworkAttachmentDefinition: <name> or <namespace>/<name>.",
      ),
      default: z.boolean().optional(),
    }).optional(),
    resourceClaim: opaqueObject().optional(),
  })
  .superRefine(oneOf(NETWORK_SOURCES, "network source", { required: true }));
export type Network = z.infer<typeof NetworkSchema>;

/** Names of the PVCs the volumes mount (a DataVolume's PVC has the DataVolume's name). */
export function claimNamesOf(volumes: readonly Volume[] | undefined): string[] {
  return (volumes ?? []).flatMap((volume) => {
    const name = volume.persistentVolumeClaim?.claimName ??
      volume.ephemeral?.persistentVolumeClaim?.claimName ?? volume.dataVolume?.name;
    return name ? [name] : [];
  });
}

/** Names of the DataVolumes the volumes mount. */
export function dataVolumeNamesOf(volumes: readonly Volume[] | undefined): string[] {
  return (volumes ?? []).flatMap((volume) => volume.dataVolume ? [volume.dataVolume.name] : []);
}
