/**
 * How long a migration's target pod may wait for a node: the VMIM's own annotations (KubeVirt's),
 * else ConfigMap `denovirt-config` (read when needed, so a change needs no restart), else
 * KubeVirt's defaults.
 */
import {
  DENOVIRT_CONFIG_MAP,
  DENOVIRT_NAMESPACE,
  MIGRATION_PENDING_TIMEOUT_ANNOTATION,
  MIGRATION_PENDING_TIMEOUT_KEY,
  MIGRATION_UNSCHEDULABLE_TIMEOUT_ANNOTATION,
  MIGRATION_UNSCHEDULABLE_TIMEOUT_KEY,
  secondsSetting,
  type VMIM,
} from "../../api/mod.ts";
import { isNotFound } from "../../lib/kube/api_error.ts";
import type { KubeObject } from "../../lib/kube/object.ts";
import { configMaps } from "../../lib/kube/resources.ts";
import type { RestClient } from "../../lib/kube/rest.ts";
import { DEFAULT_PENDING_TIMEOUTS, type PendingTimeouts } from "./pending_timeout.ts";

type Settings = Record<string, string> | undefined;

/** The timeouts from a migration's annotations and the cluster's settings. Pure. */
export function pendingTimeoutsFrom(vmim: VMIM, settings: Settings): PendingTimeouts {
  const annotations = vmim.metadata.annotations ?? {};
  return {
    unschedulableSeconds: secondsSetting(annotations[MIGRATION_UNSCHEDULABLE_TIMEOUT_ANNOTATION]) ??
      secondsSetting(settings?.[MIGRATION_UNSCHEDULABLE_TIMEOUT_KEY]) ??
      DEFAULT_PENDING_TIMEOUTS.unschedulableSeconds,
    pendingSeconds: secondsSetting(annotations[MIGRATION_PENDING_TIMEOUT_ANNOTATION]) ??
      secondsSetting(settings?.[MIGRATION_PENDING_TIMEOUT_KEY]) ??
      DEFAULT_PENDING_TIMEOUTS.pendingSeconds,
  };
}

/** The timeouts of `vmim`; the ConfigMap is read only when `read` is true. */
export async function pendingTimeoutsOf(
  rest: RestClient,
  vmim: VMIM,
  read: boolean,
): Promise<PendingTimeouts> {
  if (!read) return pendingTimeoutsFrom(vmim, undefined);
  let settings: Settings;
  try {
    const config = await rest.get<KubeObject & { data?: Record<string, string> }>(configMaps, {
      namespace: DENOVIRT_NAMESPACE,
      name: DENOVIRT_CONFIG_MAP,
    });
    settings = config.data;
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  return pendingTimeoutsFrom(vmim, settings);
}
