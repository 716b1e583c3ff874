/**
 * The registries an administrator allows over plain HTTP or with a certificate the node does
 * not trust: ConfigMap `denovirt-config` in `denovirt`, key `insecureRegistries` (the list CDI
 * keeps in its config). Read at each pull, so a change needs no restart.
 */
import {
  DENOVIRT_CONFIG_MAP,
  DENOVIRT_NAMESPACE,
  INSECURE_REGISTRIES_KEY,
  insecureRegistriesOf,
} from "../../api/mod.ts";
import { isNotFound } from "../../lib/kube/api_error.ts";
import type { KubeObject } from "../../lib/kube/object.ts";
import type { RestClient } from "../../lib/kube/rest.ts";
import { configMaps } from "../../lib/kube/resources.ts";

/** The insecure registries as the cluster lists them now (none when the ConfigMap is missing). */
export async function insecureRegistries(rest: RestClient): Promise<Set<string>> {
  try {
    const config = await rest.get<KubeObject & { data?: Record<string, string> }>(configMaps, {
      namespace: DENOVIRT_NAMESPACE,
      name: DENOVIRT_CONFIG_MAP,
    });
    return new Set(insecureRegistriesOf(config.data?.[INSECURE_REGISTRIES_KEY]));
  } catch (error) {
    if (isNotFound(error)) return new Set();
    throw error;
  }
}
