// The lookups of the webhooks role: reads through the shared REST client, each with a deadline
// shorter than the validator's own.
import {
  type ControllerRevision,
  DENOVIRT_CONFIG_MAP,
  DENOVIRT_NAMESPACE,
  EVICTION_STRATEGY_KEY,
  evictionStrategySetting,
  FIELD_MANAGERS,
  type InstancetypeObject,
  type Pod,
  type VirtualMachineInstanceMigration,
  type VMI,
} from "../api/mod.ts";
import { cachedCheck, type ReadinessCheck } from "../lib/http/readiness.ts";
import { isNotFound } from "../lib/kube/api_error.ts";
import { apiServerCheck } from "../lib/kube/api_readiness.ts";
import type { KubeObject } from "../lib/kube/object.ts";
import {
  configMaps,
  controllerRevisions,
  pods,
  virtualMachineClusterInstancetypes,
  virtualMachineClusterPreferences,
  virtualMachineInstanceMigrations,
  virtualMachineInstances,
  virtualMachineInstancetypes,
  virtualMachinePreferences,
} from "../lib/kube/resources.ts";
import type { RestClient } from "../lib/kube/rest.ts";
import type { EvictionLookups } from "./eviction.ts";
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
    getInstancetypeSpec: async (target, namespace) => {
      const resource = target.field === "instancetype"
        ? (target.cluster ? virtualMachineClusterInstancetypes : virtualMachineInstancetypes)
        : (target.cluster ? virtualMachineClusterPreferences : virtualMachinePreferences);
      const ref = target.cluster ? { name: target.name } : { namespace, name: target.name };
      const object = await unlessNotFound(() =>
        kube.get<InstancetypeObject & KubeObject>(resource, ref, AbortSignal.timeout(timeoutMs))
      );
      return object?.spec;
    },
    getRevisionSpec: async (namespace, name) => {
      const revision = await unlessNotFound(() =>
        kube.get<ControllerRevision & KubeObject>(
          controllerRevisions,
          { namespace, name },
          AbortSignal.timeout(timeoutMs),
        )
      );
      return revision?.data?.spec;
    },
  };
}

/** What the pods/eviction webhook reads through `kube`, and its one write. */
export function apiServerEvictionLookups(
  kube: RestClient,
  timeoutMs = LOOKUP_TIMEOUT_MS,
): EvictionLookups {
  const signal = () => AbortSignal.timeout(timeoutMs);
  return {
    getPod: (namespace, name) =>
      unlessNotFound(() => kube.get<Pod>(pods, { namespace, name }, signal())),
    getVmi: (namespace, name) =>
      unlessNotFound(() => kube.get<VMI>(virtualMachineInstances, { namespace, name }, signal())),
    clusterEvictionStrategy: async () => {
      const config = await unlessNotFound(() =>
        kube.get<KubeObject & { data?: Record<string, string> }>(configMaps, {
          namespace: DENOVIRT_NAMESPACE,
          name: DENOVIRT_CONFIG_MAP,
        }, signal())
      );
      return evictionStrategySetting(config?.data?.[EVICTION_STRATEGY_KEY]);
    },
    markForEvacuation: async (namespace, name, node, dryRun) => {
      await kube.patch(virtualMachineInstances, { namespace, name }, {
        status: { evacuationNodeName: node },
      }, {
        type: "merge",
        subresource: "status",
        fieldManager: FIELD_MANAGERS.webhooks,
        dryRun,
        signal: signal(),
      });
    },
  };
}

/** Ready once `kube` can read what the lookups read; one answer holds for two seconds. */
export function lookupsReadiness(kube: RestClient): ReadinessCheck {
  return cachedCheck(
    apiServerCheck(kube, [virtualMachineInstances, virtualMachineInstanceMigrations]),
    2_000,
  );
}
