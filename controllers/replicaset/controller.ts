/** The replica set controller: keeps `spec.replicas` VMIs of a template, and the status true. */
import { FIELD_MANAGERS, selects, type VMI, type VMIRS } from "../../api/mod.ts";
import {
  type CacheReader,
  type Controller,
  ownerKeysOf,
  type ReconcileContext,
  type ReconcileResult,
} from "../../lib/controller.ts";
import { keyOf, type KubeObject } from "../../lib/kube/object.ts";
import {
  virtualMachineInstanceReplicaSets,
  virtualMachineInstances,
} from "../../lib/kube/resources.ts";
import { applyClaims, createVmis, deleteVmis } from "./apply.ts";
import { BURST_REPLICAS, invalidSpecOf, planReplicaSet, planWrites, type RsPlan } from "./plan.ts";
import { pauseEventOf, rsStatusOf, type ScaleError, statusPatchOf } from "./status.ts";
import { controllerRefOf } from "./vmi_for.ts";

type Ctx = ReconcileContext<VMIRS>;

/** Options of the replica set controller. */
export interface ReplicaSetOptions {
  /** At most this many creates or deletes per pass (KubeVirt's BurstReplicas). */
  burstReplicas?: number;
}

/**
 * The plan from the cache, confirmed against a live list when it would write: the cache may be
 * behind this controller's own creates and deletes, and acting on it would overshoot. (KubeVirt
 * keeps in-memory expectations for this; a list costs one request, and only when scaling.)
 */
async function observeAndPlan(ctx: Ctx, rs: VMIRS, burst: number): Promise<RsPlan> {
  const namespace = rs.metadata.namespace ?? "";
  const cached = ctx.cache<VMI>(virtualMachineInstances).byIndex("byNamespace", namespace);
  const plan = planReplicaSet({ rs, vmis: cached }, burst);
  if (!planWrites(plan)) return plan;
  const live = await ctx.rest.list<VMI>(virtualMachineInstances, {
    namespace,
    signal: ctx.signal,
  });
  return planReplicaSet({ rs, vmis: live.items }, burst);
}

async function reconcileReplicaSet(ctx: Ctx, burst: number): Promise<ReconcileResult | void> {
  const rs = ctx.object;
  if (!rs) return; // Gone: the garbage collector deletes the VMIs it owned.
  const invalid = invalidSpecOf(rs);
  if (invalid) {
    // The webhooks refuse such a spec; retrying cannot fix one that got in without them.
    ctx.log.error("Invalid replica set spec; not acting on it", { why: invalid });
    return;
  }
  const plan = await observeAndPlan(ctx, rs, burst);
  const claims = await applyClaims(ctx, rs, plan);
  if (claims === "gone") return;
  if (claims === "stale") return { requeue: "now" };
  let failure: ScaleError | void = undefined;
  if (plan.create > 0) failure = await createVmis(ctx, rs, plan.create);
  if (plan.delete.length > 0) failure = await deleteVmis(ctx, rs, plan.delete, false);
  if (!failure && plan.cleanup.length > 0) {
    failure = await deleteVmis(ctx, rs, plan.cleanup, true);
  }
  const owned = rsStatusOf(rs, plan.active, failure ?? undefined, Date.now());
  const patch = statusPatchOf(rs, owned);
  if (patch) {
    await ctx.rest.patch(
      virtualMachineInstanceReplicaSets,
      {
        namespace: rs.metadata.namespace ?? "",
        name: rs.metadata.name ?? "",
      },
      patch,
      {
        type: "merge",
        subresource: "status",
        fieldManager: FIELD_MANAGERS.controllers,
        signal: ctx.signal,
      },
    );
    const paused = pauseEventOf(rs, owned);
    if (paused) await ctx.events.normal(rs, paused.reason, paused.message);
  }
  if (failure) throw new Error(`Cannot scale replica set ${ctx.key}: ${failure.message}`);
}

/** The replica set controller. */
export function replicaSetController(opts: ReplicaSetOptions = {}): Controller<VMIRS> {
  const burst = opts.burstReplicas ?? BURST_REPLICAS;
  // An orphan VMI's change goes to every replica set whose selector selects it, so that one of
  // them adopts it.
  const keysOfVmi = (vmi: KubeObject, cache: CacheReader): string[] => {
    if (controllerRefOf(vmi)) return ownerKeysOf(vmi, virtualMachineInstanceReplicaSets);
    const namespace = vmi.metadata?.namespace ?? "";
    return cache<VMIRS>(virtualMachineInstanceReplicaSets).byIndex("byNamespace", namespace)
      .filter((rs) => selects(rs.spec.selector, vmi.metadata?.labels))
      .map(keyOf);
  };
  return {
    name: "replicaset",
    for: virtualMachineInstanceReplicaSets,
    watches: [{ resource: virtualMachineInstances, mapToKeys: keysOfVmi }],
    async reconcile(_key, ctx): Promise<ReconcileResult | void> {
      try {
        return await reconcileReplicaSet(ctx, burst);
      } catch (error) {
        if (ctx.signal.aborted) return; // Stopping or no longer leading: the next leader redoes it.
        throw error;
      }
    },
  };
}
