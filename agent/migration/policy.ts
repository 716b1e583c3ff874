/** The migration policy as ConfigMap denovirt-config sets it now (KubeVirt's defaults without it). */
import {
  DENOVIRT_CONFIG_MAP,
  DENOVIRT_NAMESPACE,
  type MigrationPolicy,
  migrationPolicyOf,
  MIGRATIONS_KEY,
} from "../../api/mod.ts";
import { isNotFound } from "../../lib/kube/api_error.ts";
import type { KubeObject } from "../../lib/kube/object.ts";
import type { RestClient } from "../../lib/kube/rest.ts";
import { configMaps } from "../../lib/kube/resources.ts";

/** Read at each migration's start, so a change needs no restart. */
export async function migrationPolicy(rest: RestClient): Promise<MigrationPolicy> {
  try {
    const config = await rest.get<KubeObject & { data?: Record<string, string> }>(configMaps, {
      namespace: DENOVIRT_NAMESPACE,
      name: DENOVIRT_CONFIG_MAP,
    });
    return migrationPolicyOf(config.data?.[MIGRATIONS_KEY]);
  } catch (error) {
    if (isNotFound(error)) return migrationPolicyOf(undefined);
    throw error;
  }
}
