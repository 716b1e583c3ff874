/** The VMI controller: one launcher pod per VMI, its phase up to Scheduled, and its teardown. */
import {
  CREATED_BY_LABEL,
  ownedVmiStatusFields,
  type PersistentVolumeClaim,
  type Pod,
  type VM,
  VM_KIND,
  type VMI,
} from "../../api/mod.ts";
import type { Controller, ReconcileContext, ReconcileResult } from "../../lib/controller.ts";
import { messageOf } from "../../lib/errors.ts";
import { isAlreadyExists, isNotFound } from "../../lib/kube/api_error.ts";
import {
  dataVolumes,
  persistentVolumeClaims,
  pods as podsResource,
  virtualMachineInstances,
  virtualMachines,
} from "../../lib/kube/resources.ts";
import type { DataVolumeObject, VolumeView } from "../volumes.ts";
import { deletePodAtOnce, isControlledByUid } from "../pods.ts";
import { patchMetadataFields, patchOwnedStatus } from "../writes.ts";
import type { LauncherOptions } from "./launcher_pod.ts";
import { planVmi } from "./plan.ts";
import type { VmiObserved, VmiPlan } from "./plan_types.ts";

type Ctx = ReconcileContext<VMI>;

const byAge = (a: Pod, b: Pod) =>
  (a.metadata?.creationTimestamp ?? "").localeCompare(b.metadata?.creationTimestamp ?? "");

/** What the caches hold about one VMI. */
export function observe(ctx: Ctx, vmi: VMI): VmiObserved {
  const namespace = vmi.metadata.namespace ?? "";
  const uid = vmi.metadata.uid ?? "";
  const pods = ctx.cache<Pod>(podsResource).byIndex("byOwner", uid)
    .filter((p) => isControlledByUid(p, uid)).sort(byAge);
  const owner = vmi.metadata.ownerReferences?.find((r) => r.controller === true);
  const vm = owner?.kind === VM_KIND
    ? ctx.cache<VM>(virtualMachines).get(`${namespace}/${owner.name}`)
    : undefined;
  const pvcs = ctx.cache<PersistentVolumeClaim>(persistentVolumeClaims);
  const dvs = ctx.cache<DataVolumeObject>(dataVolumes);
  const volumes: VolumeView = {
    claim: (name) => pvcs.get(`${namespace}/${name}`),
    dataVolume: (name) => dvs.get(`${namespace}/${name}`),
  };
  return { vmi, pods, ownerVmExists: !!vm && vm.metadata.uid === owner?.uid, volumes };
}

/** The pods of the VMI as the API server has them now (the cache may be behind our creates). */
async function livePods(ctx: Ctx, vmi: VMI): Promise<Pod[]> {
  const uid = vmi.metadata.uid ?? "";
  const list = await ctx.rest.list<Pod>(podsResource, {
    namespace: vmi.metadata.namespace ?? "",
    labelSelector: `${CREATED_BY_LABEL}=${uid}`,
    signal: ctx.signal,
  });
  return list.items.filter((p) => isControlledByUid(p, uid)).sort(byAge);
}

function patchMetadata(ctx: Ctx, vmi: VMI, plan: VmiPlan): Promise<VMI> {
  return patchMetadataFields<VMI>(ctx.rest, virtualMachineInstances, vmi, {
    ...(plan.finalizers ? { finalizers: plan.finalizers } : {}),
    ...(plan.labels ? { labels: plan.labels } : {}),
  }, ctx.signal);
}

async function reconcileVmi(ctx: Ctx, launcher: LauncherOptions): Promise<ReconcileResult | void> {
  const vmi = ctx.object;
  if (!vmi) return;
  const now = Date.now();
  let observed = observe(ctx, vmi);
  let plan = planVmi(observed, launcher, now);
  if (plan.podMissing) {
    const pods = await livePods(ctx, vmi);
    if (pods.length) {
      ctx.log.info("The pod cache is behind; looking again", { pods: pods.length });
      observed = { ...observed, pods };
      plan = planVmi(observed, launcher, now);
    }
  }
  let createError: unknown;
  if (plan.createPod) {
    try {
      await ctx.rest.create(podsResource, plan.createPod, { signal: ctx.signal });
    } catch (error) {
      if (!isAlreadyExists(error)) {
        createError = error;
        const message = `Cannot create the launcher pod of VMI ${ctx.key}: ${messageOf(error)}`;
        await ctx.events.warning(vmi, "FailedCreate", message);
        plan = planVmi({ ...observed, podCreateError: message }, launcher, now);
      }
    }
  }
  const old = vmi.metadata.finalizers ?? [];
  const adds = !!plan.labels || (plan.finalizers ?? []).some((f) => !old.includes(f));
  let latest = vmi;
  if (adds) latest = await patchMetadata(ctx, vmi, plan);
  for (const pod of plan.deletePods) await deletePodAtOnce(ctx, vmi, pod);
  const write = plan.holdStatus ? "unchanged" : await patchOwnedStatus(
    ctx.rest,
    virtualMachineInstances,
    vmi,
    latest,
    plan.status,
    ownedVmiStatusFields("controllers", vmi.status),
    ctx.signal,
  );
  if (write === "stale") return { requeue: "now" };
  if (!adds && plan.finalizers) {
    const written = typeof write === "object" ? write.written : latest;
    await patchMetadata(ctx, written, plan).catch((error) => {
      if (!isNotFound(error)) throw error;
    });
  }
  // Not awaited (a recorder never rejects): the pass that made the pod ends at once, so that its
  // binding, which comes within milliseconds, finds the key free for the handover.
  for (const e of plan.events) void ctx.events.record(vmi, e.type, e.reason, e.message);
  if (createError) throw createError;
  if (plan.requeueAfterMs !== undefined) return { requeueAfterMs: plan.requeueAfterMs };
}

/** The VMI controller, making launcher pods as `launcher` says. */
export function vmiController(launcher: LauncherOptions): Controller<VMI> {
  return {
    name: "vmi",
    for: virtualMachineInstances,
    owns: [podsResource],
    concurrency: 4,
    async reconcile(_key, ctx): Promise<ReconcileResult | void> {
      try {
        return await reconcileVmi(ctx, launcher);
      } catch (error) {
        if (ctx.signal.aborted) return; // Stopping or no longer leading: the next leader redoes it.
        throw error;
      }
    },
  };
}
