/** The migration controller: drives each VirtualMachineInstanceMigration as `plan.ts` decides. */
import {
  FIELD_MANAGERS,
  MIGRATION_JOB_NAME_ANNOTATION,
  type Pod,
  type VMI,
  type VMIM,
} from "../../api/mod.ts";
import type {
  CacheReader,
  Controller,
  ReconcileContext,
  ReconcileResult,
} from "../../lib/controller.ts";
import { messageOf } from "../../lib/errors.ts";
import { isAlreadyExists, isNotFound } from "../../lib/kube/api_error.ts";
import { keyFor } from "../../lib/kube/object.ts";
import {
  pods as podsResource,
  virtualMachineInstanceMigrations,
  virtualMachineInstances,
} from "../../lib/kube/resources.ts";
import { deletePodAtOnce, isControlledByUid } from "../pods.ts";
import { patchMetadataFields, patchOwnedStatus, patchStatusFields } from "../writes.ts";
import type { LauncherOptions } from "../vmi/launcher_pod.ts";
import { pendingTimeoutsOf } from "./timeouts.ts";
import { type MigrationObserved, type MigrationPlan, planMigration } from "./plan.ts";

type Ctx = ReconcileContext<VMIM>;

/** The migrations of the VMI `namespace/name`. */
function migrationsOf(cache: CacheReader, namespace: string, name: string): VMIM[] {
  return cache<VMIM>(virtualMachineInstanceMigrations).byIndex("byNamespace", namespace)
    .filter((m) => m.spec?.vmiName === name);
}

async function observe(ctx: Ctx, vmim: VMIM): Promise<MigrationObserved> {
  const namespace = vmim.metadata.namespace ?? "";
  const vmi = ctx.cache<VMI>(virtualMachineInstances).get(`${namespace}/${vmim.spec.vmiName}`);
  const uid = vmi?.metadata.uid ?? "";
  const pods = vmi
    ? ctx.cache<Pod>(podsResource).byIndex("byOwner", uid).filter((p) => isControlledByUid(p, uid))
    : [];
  const others = migrationsOf(ctx.cache, namespace, vmim.spec.vmiName)
    .filter((m) => m.metadata.uid !== vmim.metadata.uid);
  // The settings are read only while a target pod waits for a node: the only time they matter.
  const waiting = vmim.status?.phase === "Scheduling";
  return { vmim, vmi, pods, others, timeouts: await pendingTimeoutsOf(ctx.rest, vmim, waiting) };
}

function patchMetadata(ctx: Ctx, vmim: VMIM, plan: MigrationPlan): Promise<VMIM> {
  return patchMetadataFields<VMIM>(ctx.rest, virtualMachineInstanceMigrations, vmim, {
    ...(plan.finalizers ? { finalizers: plan.finalizers } : {}),
    ...(plan.labels ? { labels: plan.labels } : {}),
  }, ctx.signal);
}

/** Writes the controllers' fields of the VMI's migration record, against the VMI it read. */
async function patchVmiRecord(ctx: Ctx, vmi: VMI, record: Record<string, unknown>) {
  await patchStatusFields(ctx.rest, virtualMachineInstances, vmi, {
    migrationState: record,
  }, ctx.signal);
}

/** Sets or removes (null) labels of the VMI. */
async function patchVmiLabels(ctx: Ctx, vmi: VMI, labels: Record<string, string | null>) {
  await ctx.rest.patch(
    virtualMachineInstances,
    {
      namespace: vmi.metadata.namespace ?? "",
      name: vmi.metadata.name ?? "",
    },
    { metadata: { labels } },
    {
      type: "merge",
      fieldManager: FIELD_MANAGERS.controllers,
      signal: ctx.signal,
    },
  ).catch((error) => {
    if (!isNotFound(error)) throw error;
  });
}

async function reconcileMigration(
  ctx: Ctx,
  launcher: LauncherOptions,
): Promise<ReconcileResult | void> {
  const vmim = ctx.object;
  if (!vmim) return;
  const observed = await observe(ctx, vmim);
  const plan = planMigration(observed, launcher, Date.now());
  const adds = !!plan.labels ||
    (plan.finalizers ?? []).some((f) => !(vmim.metadata.finalizers ?? []).includes(f));
  let latest = vmim;
  if (adds) latest = await patchMetadata(ctx, vmim, plan);
  if (plan.createPod) {
    try {
      await ctx.rest.create(podsResource, plan.createPod, { signal: ctx.signal });
    } catch (error) {
      if (!isAlreadyExists(error)) {
        const message = `Cannot create the migration target pod: ${messageOf(error)}`;
        await ctx.events.warning(vmim, "FailedCreate", message);
        throw error;
      }
    }
  }
  if (plan.vmiMigrationState && observed.vmi) {
    await patchVmiRecord(ctx, observed.vmi, plan.vmiMigrationState);
  }
  // After the record (which is written against the VMI read): the target's agent watches by it.
  if (plan.vmiLabels && observed.vmi) await patchVmiLabels(ctx, observed.vmi, plan.vmiLabels);
  for (const pod of plan.deletePods) await deletePodAtOnce(ctx, vmim, pod);
  const write = await patchOwnedStatus(
    ctx.rest,
    virtualMachineInstanceMigrations,
    vmim,
    latest,
    plan.status,
    undefined,
    ctx.signal,
  );
  if (write === "stale") return { requeue: "now" };
  if (!adds && plan.finalizers) {
    const written = typeof write === "object" ? write.written : latest;
    await patchMetadata(ctx, written, plan).catch((error) => {
      if (!isNotFound(error)) throw error;
    });
  }
  for (const e of plan.events) await ctx.events.record(vmim, e.type, e.reason, e.message);
  if (plan.requeueAfterMs !== undefined) return { requeueAfterMs: plan.requeueAfterMs };
}

/** The migration controller, making target pods as `launcher` says. */
export function migrationController(launcher: LauncherOptions): Controller<VMIM> {
  return {
    name: "migration",
    for: virtualMachineInstanceMigrations,
    watches: [
      {
        // The VMI's record and phase move its migrations on.
        resource: virtualMachineInstances,
        mapToKeys: (obj, cache) => {
          const namespace = obj.metadata?.namespace ?? "";
          return migrationsOf(cache, namespace, obj.metadata?.name ?? "")
            .map((m) => keyFor(namespace, m.metadata.name ?? ""));
        },
      },
      {
        // Target pods name their migration; a source pod's changes reach it through the VMI.
        resource: podsResource,
        mapToKeys: (obj) => {
          const name = obj.metadata?.annotations?.[MIGRATION_JOB_NAME_ANNOTATION];
          return name ? [keyFor(obj.metadata?.namespace, name)] : [];
        },
      },
    ],
    concurrency: 2,
    async reconcile(_key, ctx): Promise<ReconcileResult | void> {
      try {
        return await reconcileMigration(ctx, launcher);
      } catch (error) {
        if (ctx.signal.aborted) return;
        throw error;
      }
    },
  };
}
