// Shared API pieces: ObjectMeta, conditions and small schema helpers.
//
// Spec objects are strict (a field we do not know is refused with "<path>: unknown field"),
// metadata and status objects are loose: metadata belongs to Kubernetes, and status is
// written by controllers, some of them KubeVirt's own fields we never fill.
import { z } from "zod";

/** API groups and versions served by denovirt. */
export const KUBEVIRT_GROUP = "kubevirt.io";
export const KUBEVIRT_VERSION = "v1";
export const KUBEVIRT_API_VERSION = "kubevirt.io/v1";
/** Older KubeVirt version still served (same schema, not stored). */
export const KUBEVIRT_API_VERSION_V1ALPHA3 = "kubevirt.io/v1alpha3";
export const CDI_GROUP = "cdi.kubevirt.io";
export const CDI_VERSION = "v1beta1";
export const CDI_API_VERSION = "cdi.kubevirt.io/v1beta1";

/** `apiVersion` of a kubevirt.io object: v1, or v1alpha3 from older clients. */
export const KubeVirtApiVersionSchema = z.enum([
  KUBEVIRT_API_VERSION,
  KUBEVIRT_API_VERSION_V1ALPHA3,
]);

/** A JSON object we keep but do not type (core/v1 Affinity, probes, ...). */
export function opaqueObject(description?: string) {
  const schema = z.record(z.string(), z.unknown());
  return description ? schema.describe(description) : schema;
}

/** A list of untyped objects (gpus, hostDevices, ...): known to us, refused when unsupported. */
export function opaqueList(description?: string) {
  const schema = z.array(opaqueObject());
  return description ? schema.describe(description) : schema;
}

/** An empty marker object such as `masquerade: {}` or `blank: {}`. */
export function marker(description?: string) {
  const schema = z.strictObject({});
  return description ? schema.describe(description) : schema;
}

/** Go's int32. */
export const int32 = () => z.int32();
/** Go's uint32 (KubeVirt's cores, sockets, threads, bootOrder). */
export const uint32 = () => z.uint32();
/** Go's int64 (JSON numbers are exact up to 2^53 here). */
export const int64 = () => z.int();

/** A string-to-string map (labels, annotations, nodeSelector). */
export const StringMapSchema = z.record(z.string(), z.string());

/** A timestamp in RFC 3339 form; KubeVirt writes `null` for unset times. */
export const TimeSchema = z.string().nullable();

export const OwnerReferenceSchema = z.looseObject({
  apiVersion: z.string(),
  kind: z.string(),
  name: z.string(),
  uid: z.string(),
  controller: z.boolean().optional(),
  blockOwnerDeletion: z.boolean().optional(),
});
export type OwnerReference = z.infer<typeof OwnerReferenceSchema>;

/** meta/v1 ObjectMeta: typed where we read it, unknown fields kept. */
export const ObjectMetaSchema = z.looseObject({
  name: z.string().optional(),
  generateName: z.string().optional(),
  namespace: z.string().optional(),
  uid: z.string().optional(),
  resourceVersion: z.string().optional(),
  generation: int64().optional(),
  creationTimestamp: TimeSchema.optional(),
  deletionTimestamp: TimeSchema.optional(),
  deletionGracePeriodSeconds: int64().optional(),
  labels: StringMapSchema.optional(),
  annotations: StringMapSchema.optional(),
  ownerReferences: z.array(OwnerReferenceSchema).optional(),
  finalizers: z.array(z.string()).optional(),
  managedFields: opaqueList().optional(),
});
export type ObjectMeta = z.infer<typeof ObjectMetaSchema>;

export const CONDITION_STATUSES = ["True", "False", "Unknown"] as const;
export type ConditionStatus = (typeof CONDITION_STATUSES)[number];

/** The condition shape KubeVirt uses for VMs, VMIs, migrations and replica sets. */
export const ConditionSchema = z.looseObject({
  type: z.string(),
  status: z.enum(CONDITION_STATUSES),
  reason: z.string().optional(),
  message: z.string().optional(),
  lastProbeTime: TimeSchema.optional(),
  lastTransitionTime: TimeSchema.optional(),
});
export type Condition = z.infer<typeof ConditionSchema>;

/** `{ name }` references to Secrets and ConfigMaps. */
export const LocalObjectReferenceSchema = z.strictObject({ name: z.string() });

/**
 * A refinement for KubeVirt's "only one of its members may be specified" structs: at most one
 * of `keys` may be set, and with `required` exactly one.
 */
export function oneOf<T extends object>(
  keys: readonly (keyof T & string)[],
  what: string,
  opts: { required?: boolean } = {},
) {
  return (value: T, ctx: z.RefinementCtx) => {
    const set = keys.filter((k) => (value as Record<string, unknown>)[k] !== undefined);
    if (set.length > 1) {
      ctx.addIssue({
        code: "custom",
        message: `must set only one ${what}, found ${set.join(" and ")}`,
      });
    } else if (set.length === 0 && opts.required) {
      ctx.addIssue({
        code: "custom",
        message: `must set one ${what}: one of ${keys.join(", ")}`,
      });
    }
  };
}
