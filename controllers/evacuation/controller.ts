/** The evacuation controller: a migration for each VMI marked for evacuation, as `plan.ts` decides. */
import {
  EVICTION_STRATEGY_KEY,
  type EvictionStrategy,
  evictionStrategySetting,
  type VMI,
  type VMIM,
} from "../../api/mod.ts";
import type { Controller, ReconcileContext, ReconcileResult } from "../../lib/controller.ts";
import { messageOf } from "../../lib/errors.ts";
import { keyFor } from "../../lib/kube/object.ts";
import {
  virtualMachineInstanceMigrations,
  virtualMachineInstances,
} from "../../lib/kube/resources.ts";
import type { RestClient } from "../../lib/kube/rest.ts";
import { denovirtSettings } from "../settings.ts";
import { patchStatusFields } from "../writes.ts";
import { planEvacuation } from "./plan.ts";

type Ctx = ReconcileContext<VMI>;

/** The cluster's default eviction strategy (ConfigMap denovirt-config), read when needed. */
export async function clusterEvictionStrategy(
  rest: RestClient,
  signal?: AbortSignal,
): Promise<EvictionStrategy | undefined> {
  const settings = await denovirtSettings(rest, signal);
  return evictionStrategySetting(settings?.[EVICTION_STRATEGY_KEY]);
}

async function reconcileEvacuation(ctx: Ctx): Promise<ReconcileResult | void> {
  const vmi = ctx.object;
  if (!vmi?.status?.evacuationNodeName) return;
  const namespace = vmi.metadata.namespace ?? "";
  const migrations = ctx.cache<VMIM>(virtualMachineInstanceMigrations)
    .byIndex("byNamespace", namespace)
    .filter((m) => m.spec?.vmiName === vmi.metadata.name);
  const clusterStrategy = vmi.spec.evictionStrategy
    ? undefined
    : await clusterEvictionStrategy(ctx.rest, ctx.signal);
  const plan = planEvacuation({ vmi, migrations, clusterStrategy }, Date.now());
  if (plan.clear) {
    await patchStatusFields(ctx.rest, virtualMachineInstances, vmi, {
      evacuationNodeName: null,
    }, ctx.signal);
  }
  if (plan.create) {
    try {
      const created = await ctx.rest.create<VMIM>(virtualMachineInstanceMigrations, plan.create, {
        signal: ctx.signal,
      });
      await ctx.events.normal(
        vmi,
        "SuccessfulCreate",
        `Created Migration ${created.metadata.name}`,
      );
    } catch (error) {
      await ctx.events.warning(
        vmi,
        "FailedCreate",
        `Error creating a Migration: ${messageOf(error)}`,
      );
      throw error;
    }
  }
  if (plan.requeueAfterMs !== undefined) return { requeueAfterMs: plan.requeueAfterMs };
}

/** The evacuation controller. */
export function evacuationController(): Controller<VMI> {
  return {
    name: "evacuation",
    for: virtualMachineInstances,
    watches: [{
      resource: virtualMachineInstanceMigrations,
      mapToKeys: (obj) => {
        const name = (obj as VMIM).spec?.vmiName;
        return name ? [keyFor(obj.metadata?.namespace, name)] : [];
      },
    }],
    concurrency: 1,
    async reconcile(_key, ctx): Promise<ReconcileResult | void> {
      try {
        return await reconcileEvacuation(ctx);
      } catch (error) {
        if (ctx.signal.aborted) return;
        throw error;
      }
    },
  };
}
