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
