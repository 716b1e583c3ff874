/**
 * The ConfigMap of denovirt's settings (manifests/base/30-denovirt-config.yaml; the local stack
 * fills in its own values from manifests/local/) and the reading of its keys.
 */

/** The namespace denovirt's roles run in and keep their settings in. */
export const DENOVIRT_NAMESPACE = "denovirt";
/** The ConfigMap that holds denovirt's settings. */
export const DENOVIRT_CONFIG_MAP = "denovirt-config";
/** Registries reached over plain HTTP or unchecked TLS: one `host[:port]` per line. */
export const INSECURE_REGISTRIES_KEY = "insecureRegistries";
/**
 * Seconds without a renewal of a node's Lease after which the controllers declare the node
 * unresponsive (api/node_loss.ts).
 */
export const NODE_UNRESPONSIVE_SECONDS_KEY = "nodeUnresponsiveSeconds";
/** Where an administrator lists insecure registries, as messages name it. */
export const INSECURE_REGISTRIES_SETTING =
  `${INSECURE_REGISTRIES_KEY} in ConfigMap ${DENOVIRT_NAMESPACE}/${DENOVIRT_CONFIG_MAP}`;

/**
 * The registries an `insecureRegistries` value lists, lower case (host names are); blank lines,
 * surrounding spaces and `#` comments do not count.
 */
export function insecureRegistriesOf(value: string | undefined): string[] {
  return (value ?? "").split("\n")
    .map((line) => line.replace(/#.*/, "").trim().toLowerCase())
    .filter((line) => line !== "");
}

/**
 * Live-migration settings: a JSON object with KubeVirt's `migrations` fields
 * (`bandwidthPerMigration`, `completionTimeoutPerGiB`, `progressTimeout`).
 */
export const MIGRATIONS_KEY = "migrations";

/** How the source node's agent runs a migration (KubeVirt's MigrationConfiguration subset). */
export interface MigrationPolicy {
  /** MiB/s the migration may use; 0: unlimited. */
  bandwidthMiB: number;
  /** Seconds per GiB of guest memory (and copied disk) before the migration is aborted. */
  completionTimeoutPerGiB: number;
  /** Seconds without progress (remaining data not shrinking) before the migration is aborted. */
  progressTimeout: number;
}

/** KubeVirt's defaults: unlimited bandwidth ("0Mi"), 150 s per GiB, 150 s without progress. */
export const DEFAULT_MIGRATION_POLICY: MigrationPolicy = {
  bandwidthMiB: 0,
  completionTimeoutPerGiB: 150,
  progressTimeout: 150,
};

const BANDWIDTH = /^(\d+)(Ki|Mi|Gi)?$/;

/** The policy a `migrations` value sets, over the defaults; throws naming a bad field. */
export function migrationPolicyOf(value: string | undefined): MigrationPolicy {
  if (!value?.trim()) return { ...DEFAULT_MIGRATION_POLICY };
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    throw new Error(`${MIGRATIONS_KEY}: not a JSON object: ${(error as Error).message}`);
  }
  const policy = { ...DEFAULT_MIGRATION_POLICY };
  const bandwidth = parsed.bandwidthPerMigration;
  if (bandwidth !== undefined) {
    const match = BANDWIDTH.exec(String(bandwidth));
    if (!match) {
      throw new Error(
        `${MIGRATIONS_KEY}.bandwidthPerMigration: ${JSON.stringify(bandwidth)} is not a ` +
          "quantity in Ki, Mi or Gi",
      );
    }
    const bytes = Number(match[1]) * ({ Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 }[
      (match[2] ?? "") as "Ki"
    ] ?? 1);
    policy.bandwidthMiB = bytes === 0 ? 0 : Math.max(1, Math.round(bytes / 1024 ** 2));
  }
  for (const field of ["completionTimeoutPerGiB", "progressTimeout"] as const) {
    const v = parsed[field];
    if (v === undefined) continue;
    if (typeof v !== "number" || !Number.isInteger(v) || v <= 0) {
      throw new Error(`${MIGRATIONS_KEY}.${field}: must be a positive integer of seconds`);
    }
    policy[field] = v;
  }
  return policy;
}

/**
 * The cluster's eviction strategy for VMIs that set none (KubeVirt's `evictionStrategy` in its
 * CR): None, LiveMigrate, LiveMigrateIfPossible or External. Unset or empty: None.
 */
export const EVICTION_STRATEGY_KEY = "evictionStrategy";
/**
 * Seconds a migration's target pod may stay unschedulable before the migration fails (KubeVirt's
 * unschedulable pending timeout, 300 by default); a VMIM's own annotation overrides it.
 */
export const MIGRATION_UNSCHEDULABLE_TIMEOUT_KEY = "migrationUnschedulablePodTimeoutSeconds";
/** Seconds a migration's target pod may stay Pending for any reason (KubeVirt's 900). */
export const MIGRATION_PENDING_TIMEOUT_KEY = "migrationPendingPodTimeoutSeconds";

/** A whole number of seconds from a setting, or undefined when it is missing or not one. */
export function secondsSetting(value: string | undefined): number | undefined {
  const trimmed = value?.trim() ?? "";
  if (!/^\d+$/.test(trimmed)) return undefined;
  return Number(trimmed);
}
