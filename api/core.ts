// Kubernetes core/v1 and meta/v1 pieces that KubeVirt and CDI embed.
import { z } from "zod";
import { int64, opaqueObject, StringMapSchema } from "./meta.ts";
import { ResourceListSchema } from "./quantity.ts";

export const TOLERATION_OPERATORS = ["Exists", "Equal"] as const;
export const TAINT_EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"] as const;

export const TolerationSchema = z.strictObject({
  key: z.string().optional(),
  operator: z.enum(TOLERATION_OPERATORS).optional(),
  value: z.string().optional(),
  effect: z.enum(TAINT_EFFECTS).optional(),
  tolerationSeconds: int64().optional(),
});
export type Toleration = z.infer<typeof TolerationSchema>;

export const LABEL_SELECTOR_OPERATORS = ["In", "NotIn", "Exists", "DoesNotExist"] as const;

export const LabelSelectorSchema = z.strictObject({
  matchLabels: StringMapSchema.optional(),
  matchExpressions: z
    .array(
      z.strictObject({
        key: z.string(),
        operator: z.enum(LABEL_SELECTOR_OPERATORS),
        values: z.array(z.string()).optional(),
      }),
    )
    .optional(),
});
export type LabelSelector = z.infer<typeof LabelSelectorSchema>;

/** core/v1 Affinity, kept loosely typed: the scheduler interprets it, not us. */
export const AffinitySchema = opaqueObject(
  "If affinity is specified, obey all the affinity rules (core/v1 Affinity).",
);
export type Affinity = z.infer<typeof AffinitySchema>;

export const ACCESS_MODES = [
  "ReadWriteOnce",
  "ReadOnlyMany",
  "ReadWriteMany",
  "ReadWriteOncePod",
] as const;
export type AccessMode = (typeof ACCESS_MODES)[number];
export const VOLUME_MODES = ["Filesystem", "Block"] as const;
export type VolumeMode = (typeof VOLUME_MODES)[number];

/** Storage requests and limits of a claim: `requests.storage` is the size. */
export const VolumeResourceRequirementsSchema = z.strictObject({
  requests: ResourceListSchema.optional(),
  limits: ResourceListSchema.optional(),
});

const claimFields = {
  accessModes: z.array(z.enum(ACCESS_MODES)).optional(),
  selector: LabelSelectorSchema.optional(),
  resources: VolumeResourceRequirementsSchema.optional(),
  volumeName: z.string().optional(),
  storageClassName: z.string().optional(),
  volumeMode: z.enum(VOLUME_MODES).optional(),
  dataSource: opaqueObject().optional(),
  dataSourceRef: opaqueObject().optional(),
};

/** core/v1 PersistentVolumeClaimSpec, the fields CDI's `spec.pvc` takes. */
export const PersistentVolumeClaimSpecSchema = z.strictObject({
  ...claimFields,
  volumeAttributesClassName: z.string().optional(),
});
export type PersistentVolumeClaimSpec = z.infer<typeof PersistentVolumeClaimSpecSchema>;

/** CDI's StorageSpec (`spec.storage`): a claim spec whose size and modes CDI may infer. */
export const StorageSpecSchema = z.strictObject(claimFields);
export type StorageSpec = z.infer<typeof StorageSpecSchema>;
