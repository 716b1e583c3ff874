/**
 * ConfigMap `denovirt-config` as the controllers read it: when a decision needs it, not at start,
 * so that an administrator's change needs no restart.
 */
import { DENOVIRT_CONFIG_MAP, DENOVIRT_NAMESPACE } from "../api/mod.ts";
import { isNotFound } from "../lib/kube/api_error.ts";
import type { KubeObject } from "../lib/kube/object.ts";
import { configMaps } from "../lib/kube/resources.ts";
import type { RestClient } from "../lib/kube/rest.ts";

/** The settings' keys and values now; undefined when the ConfigMap is missing (every default). */
export async function denovirtSettings(
  rest: RestClient,
  signal?: AbortSignal,
): Promise<Record<string, string> | undefined> {
  try {
    const config = await rest.get<KubeObject & { data?: Record<string, string> }>(configMaps, {
      namespace: DENOVIRT_NAMESPACE,
      name: DENOVIRT_CONFIG_MAP,
    }, signal);
    return config.data;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}
