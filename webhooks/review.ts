// The shapes every admission handler shares: causes, verdicts, the review context and the
// lookups a validator may need (injected, so that validators stay testable without a cluster).
import {
  dropNulls,
  type InstancetypeSpec,
  type MatcherTarget,
  type Policy,
  type PreferenceSpec,
  type VirtualMachineInstance,
  type VirtualMachineInstanceMigration,
} from "../api/mod.ts";
import { deepEqual } from "./json_patch.ts";

/** Kubernetes' StatusCause types, as KubeVirt uses them in its refusals. */
export type CauseType =
  | "FieldValueInvalid"
  | "FieldValueRequired"
  | "FieldValueNotSupported"
  | "FieldValueDuplicate"
  | "FieldValueNotFound";

/** One mistake in an object: the field path and what is wrong with it. */
export interface Cause {
  field: string;
  message: string;
  type: CauseType;
}

/** What a validator decides: allowed or not, why, and warnings shown to the client. */
export interface Verdict {
  allowed: boolean;
  message?: string;
  warnings?: string[];
  causes?: Cause[];
  /** HTTP-style code of a refusal: 422 for invalid objects (KubeVirt's), 400, 500, 504. */
  code?: number;
}

/** Objects looked up while validating; filled by the role wiring (`lookups.ts`). */
export interface Lookups {
  /** The VMI `namespace/name`, or undefined when it does not exist. */
  getVmi(namespace: string, name: string): Promise<VirtualMachineInstance | undefined>;
  /** The migrations in `namespace`. */
  listMigrations(namespace: string): Promise<VirtualMachineInstanceMigration[]>;
  /** The spec of the instance type or preference a VM in `namespace` names, if it exists. */
  getInstancetypeSpec?(
    target: MatcherTarget,
    namespace: string,
  ): Promise<InstancetypeSpec | PreferenceSpec | undefined>;
  /** The spec frozen in the ControllerRevision `namespace/name`, if it exists. */
  getRevisionSpec?(
    namespace: string,
    name: string,
  ): Promise<InstancetypeSpec | PreferenceSpec | undefined>;
  /** The policies that apply in `namespace`, from the role's cache (no API call). */
  policiesFor?(namespace: string): readonly Policy[];
  /** Records an Audit-mode policy's findings about an admitted `object` (an Event). */
  auditPolicies?(object: unknown, findings: readonly string[]): void;
}

/** Settings an administrator gives the webhooks role. */
export interface WebhookConfig {
  /** Directories under which hostDisk volumes may live; empty refuses every hostDisk. */
  allowedHostDiskDirs: readonly string[];
  /** Users allowed to change what users may not (a VMI's spec): denovirt's own roles. */
  trustedUsers: readonly string[];
}

/** The service accounts of denovirt's roles (manifests/base/10-service-accounts.yaml). */
export const DENOVIRT_SERVICE_ACCOUNTS: readonly string[] = [
  "system:serviceaccount:denovirt:denovirt-controllers",
  "system:serviceaccount:denovirt:denovirt-webhooks",
  "system:serviceaccount:denovirt:denovirt-agent",
];

export const DEFAULT_CONFIG: WebhookConfig = {
  allowedHostDiskDirs: [],
  trustedUsers: DENOVIRT_SERVICE_ACCOUNTS,
};

export type Operation = "CREATE" | "UPDATE" | "DELETE" | "CONNECT";

/** What a validator or mutator is given about one admission request. */
export interface ReviewContext {
  operation: Operation;
  /** The object as sent (after earlier mutating webhooks); unknown until checked. */
  object: unknown;
  /** The stored object, on UPDATE. */
  oldObject: unknown;
  namespace: string;
  name: string;
  username: string;
  dryRun: boolean;
  lookups: Lookups;
  config: WebhookConfig;
}

/** A Cause for `field`. */
export function cause(
  field: string,
  message: string,
  type: CauseType = "FieldValueInvalid",
): Cause {
  return { field, message, type };
}

/** The `<field>: <message>` line of a cause, as the refusal message shows it. */
export function causeLine(c: Cause): string {
  return c.field ? `${c.field}: ${c.message}` : c.message;
}

/** Allowed when there are no causes, else refused with every cause named (422, reason Invalid). */
export function verdictOf(causes: readonly Cause[], warnings: readonly string[] = []): Verdict {
  const unique = dedupe(causes);
  const verdict: Verdict = unique.length === 0
    ? { allowed: true }
    : { allowed: false, code: 422, causes: unique, message: unique.map(causeLine).join("; ") };
  if (warnings.length > 0) verdict.warnings = [...new Set(warnings)];
  return verdict;
}

function dedupe(causes: readonly Cause[]): Cause[] {
  const seen = new Set<string>();
  return causes.filter((c) => {
    const key = causeLine(c);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Whether an UPDATE changes the object's `spec` (null fields count as absent). */
export function specChanged(ctx: ReviewContext): boolean {
  const spec = (o: unknown) => (o as { spec?: unknown } | null)?.spec;
  return !deepEqual(dropNulls(spec(ctx.object)), dropNulls(spec(ctx.oldObject)));
}

/** Whether the request comes from one of denovirt's own roles. */
export function isTrusted(ctx: ReviewContext): boolean {
  return ctx.config.trustedUsers.includes(ctx.username);
}
