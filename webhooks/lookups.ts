// The lookups of the webhooks role: reads through the shared REST client, each with a deadline
// shorter than the validator's own.
import type { VirtualMachineInstanceMigration, VMI } from "../api/mod.ts";
import { cachedCheck, type ReadinessCheck } from "../lib/http/readiness.ts";
import { isNotFound } from "../lib/kube/api_error.ts";
import { apiServerCheck } from "../lib/kube/api_readiness.ts";
import type { KubeObject } from "../lib/kube/object.ts";
import {
  virtualMachineInstanceMigrations,
  virtualMachineInstances,
} from "../lib/kube/resources.ts";
import type { RestClient } from "../lib/kube/rest.ts";
import type { Lookups } from "./review.ts";

/** How long one lookup may take; the validator's own deadline is a little longer. */
const LOOKUP_TIMEOUT_MS = 2_500;

/** `read()`, or undefined when the API server answers 404. */
async function unlessNotFound<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** Lookups through `kube`, each giving up after `timeoutMs`. */
export function apiServerLookups(kube: RestClient, timeoutMs = LOOKUP_TIMEOUT_MS): Lookups {
  return {
    getVmi: (namespace, name) =>
      unlessNotFound(() =>
        kube.get<VMI>(virtualMachineInstances, { namespace, name }, AbortSignal.timeout(timeoutMs))
      ),
    listMigrations: async (namespace) =>
      (await unlessNotFound(() =>
        kube.list<VirtualMachineInstanceMigration & KubeObject>(virtualMachineInstanceMigrations, {
          namespace,
          signal: AbortSignal.timeout(timeoutMs),
        })
      ))?.items ?? [],
  };
}

/** Ready once `kube` can read what the lookups read; one answer holds for two seconds. */
export function lookupsReadiness(kube: RestClient): ReadinessCheck {
  return cachedCheck(
    apiServerCheck(kube, [virtualMachineInstances, virtualMachineInstanceMigrations]),
    2_000,
  );
}
