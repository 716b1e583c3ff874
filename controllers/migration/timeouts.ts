/**
 * How long a migration's target pod may wait for a node: the VMIM's own annotations (KubeVirt's),
 * else ConfigMap `denovirt-config` (read when needed, so a change needs no restart), else
 * KubeVirt's defaults.
 */
import {
  MIGRATION_PENDING_TIMEOUT_ANNOTATION,
  MIGRATION_PENDING_TIMEOUT_KEY,
  MIGRATION_UNSCHEDULABLE_TIMEOUT_ANNOTATION,
  MIGRATION_UNSCHEDULABLE_TIMEOUT_KEY,
  secondsSetting,
  type VMIM,
} from "../../api/mod.ts";
import type { RestClient } from "../../lib/kube/rest.ts";
import { denovirtSettings } from "../settings.ts";
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
  return pendingTimeoutsFrom(vmim, await denovirtSettings(rest));
}
