// The kinds the webhooks admit: where their requests come from, how they are defaulted
// and validated.
import { z } from "zod";
import {
  CDI_GROUP,
  DataVolumeSchema,
  INSTANCETYPE_KINDS_INFO,
  KUBEVIRT_GROUP,
  POLICY_KINDS_INFO,
  POOL_KIND_INFO,
  UNSUPPORTED_INSTANCETYPE_SPEC_FIELDS,
  UNSUPPORTED_PREFERENCE_SPEC_FIELDS,
  type VirtualMachine,
  type VirtualMachineInstance,
  type VirtualMachineInstanceMigration,
  VirtualMachineInstanceMigrationSchema,
  type VirtualMachineInstanceReplicaSet,
  VirtualMachineInstanceReplicaSetSchema,
  VirtualMachineInstanceSchema,
  VirtualMachinePoolSchema,
  VirtualMachineSchema,
} from "../api/mod.ts";
import {
  addControllerFinalizer,
  defaultVirtualMachine,
  dropStaleRevisionNames,
  RUNNING_DEPRECATED_WARNING,
  setRunStrategyFromRunning,
} from "./defaults/vm.ts";
import { defaultReplicaSet, defaultVirtualMachineInstance } from "./defaults/vmi.ts";
import { defaultMigration } from "./defaults/migration.ts";
import { isPlainObject } from "./json_patch.ts";
import type { ReviewContext, Verdict } from "./review.ts";
import { validateDataVolume } from "./validate/data_volume.ts";
import { validateMigration } from "./validate/migration.ts";
import { validateReplicaSet } from "./validate/replica_set.ts";
import { validateVirtualMachine } from "./validate/vm.ts";
import { validateVirtualMachineInstance } from "./validate/vmi.ts";
import { instancetypeKindValidator } from "./validate/instancetype.ts";
import { validatePool } from "./validate/pool.ts";
import { policyValidator } from "./validate/policy.ts";
import { validateImportClaim } from "./validate/import_claim.ts";

/** Edits `object` (a copy, already schema-valid) in place; returns warnings. */
export type Mutator<T> = (object: T, ctx: MutationContext) => string[] | void;
export type Validator = (ctx: ReviewContext) => Verdict | Promise<Verdict>;

export interface MutationContext extends ReviewContext {
  /** A fresh random UUID (injected so that tests are deterministic). */
  newUuid(): string;
}

/** One admitted resource. */
export interface AdmittedKind {
  group: string;
  plural: string;
  kind: string;
  schema: z.ZodType;
  /** Edits made before the schema check, on the object as sent; returns warnings. */
  prepare?: (object: Record<string, unknown>, ctx: MutationContext) => string[];
  /** Defaults; kinds without any leave objects as they are. */
  mutate?: Mutator<never>;
  validate: Validator;
}

function kind<T>(spec: Omit<AdmittedKind, "mutate"> & { mutate?: Mutator<T> }): AdmittedKind {
  return spec as AdmittedKind;
}

export const ADMITTED_KINDS: readonly AdmittedKind[] = [
  kind<VirtualMachine>({
    group: KUBEVIRT_GROUP,
    plural: "virtualmachines",
    kind: "VirtualMachine",
    schema: VirtualMachineSchema,
    // `running` first: with a runStrategy next to it the schema would refuse the VM.
    prepare: (vm, ctx) =>
      setRunStrategyFromRunning(
          specOf(vm),
          ctx.operation === "UPDATE" ? specOf(ctx.oldObject) : undefined,
        )
        ? [RUNNING_DEPRECATED_WARNING]
        : [],
    // The finalizer on CREATE only: on UPDATE it would come back as the controller removes it.
    mutate: (vm, ctx) => {
      if (ctx.operation === "CREATE") addControllerFinalizer(vm);
      if (ctx.operation === "UPDATE") dropStaleRevisionNames(vm, ctx.oldObject);
      return defaultVirtualMachine(vm, ctx.namespace);
    },
    validate: validateVirtualMachine,
  }),
  kind<VirtualMachineInstance>({
    group: KUBEVIRT_GROUP,
    plural: "virtualmachineinstances",
    kind: "VirtualMachineInstance",
    schema: VirtualMachineInstanceSchema,
    // As KubeVirt: defaults on CREATE only; a VMI's spec is frozen afterwards.
    mutate: (vmi, ctx) => {
      if (ctx.operation === "CREATE") defaultVirtualMachineInstance(vmi, ctx.newUuid);
    },
    validate: validateVirtualMachineInstance,
  }),
  kind<VirtualMachineInstanceMigration>({
    group: KUBEVIRT_GROUP,
    plural: "virtualmachineinstancemigrations",
    kind: "VirtualMachineInstanceMigration",
    schema: VirtualMachineInstanceMigrationSchema,
    mutate: (migration, ctx) => {
      if (ctx.operation === "CREATE") defaultMigration(migration);
    },
    validate: validateMigration,
  }),
  kind<VirtualMachineInstanceReplicaSet>({
    group: KUBEVIRT_GROUP,
    plural: "virtualmachineinstancereplicasets",
    kind: "VirtualMachineInstanceReplicaSet",
    schema: VirtualMachineInstanceReplicaSetSchema,
    mutate: (replicaSet) => defaultReplicaSet(replicaSet),
    validate: validateReplicaSet,
  }),
  ...INSTANCETYPE_KINDS_INFO.map((info): AdmittedKind => ({
    group: info.group,
    plural: info.plural,
    kind: info.kind,
    schema: info.schema,
    validate: instancetypeKindValidator(
      info.schema,
      info.kind.endsWith("Instancetype")
        ? UNSUPPORTED_INSTANCETYPE_SPEC_FIELDS
        : UNSUPPORTED_PREFERENCE_SPEC_FIELDS,
    ),
  })),
  {
    group: POOL_KIND_INFO.group,
    plural: POOL_KIND_INFO.plural,
    kind: POOL_KIND_INFO.kind,
    schema: VirtualMachinePoolSchema,
    validate: validatePool,
  },
  {
    group: CDI_GROUP,
    plural: "datavolumes",
    kind: "DataVolume",
    schema: DataVolumeSchema,
    validate: validateDataVolume,
  },
  {
    // Only claims with CDI's import annotations are sent here (the webhook's match condition).
    group: "",
    plural: "persistentvolumeclaims",
    kind: "PersistentVolumeClaim",
    schema: z.looseObject({}),
    validate: validateImportClaim,
  },
  ...POLICY_KINDS_INFO.map((info): AdmittedKind => ({
    group: info.group,
    plural: info.plural,
    kind: info.kind,
    schema: info.schema,
    validate: policyValidator(info.schema),
  })),
];

/** The `spec` of an object as sent, or an empty one. */
function specOf(object: unknown): Record<string, unknown> {
  const spec = isPlainObject(object) ? object.spec : undefined;
  return isPlainObject(spec) ? spec : {};
}
