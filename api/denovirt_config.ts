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
