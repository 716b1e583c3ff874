/** The VM pool controller: keeps `spec.replicas` VMs named `<pool>-<index>`, and the status true. */
import { FIELD_MANAGERS } from "../../api/contract.ts";
import type { VM } from "../../api/objects.ts";
import type { VirtualMachinePool } from "../../api/pool.ts";
import {
  type Controller,
  ownerKeysOf,
  type ReconcileContext,
  type ReconcileResult,
} from "../../lib/controller.ts";
import { messageOf } from "../../lib/errors.ts";
import { isAlreadyExists, isNotFound } from "../../lib/kube/api_error.ts";
import type { KubeObject } from "../../lib/kube/object.ts";
import { virtualMachinePools, virtualMachines } from "../../lib/kube/resources.ts";
import { sameJson } from "../writes.ts";
import { planPool, type PoolPlan, poolStatusOf } from "./plan.ts";

type Pool = VirtualMachinePool & KubeObject;
type Ctx = ReconcileContext<Pool>;

/** The plan from the cache, confirmed against a live list when it would write (as the VMIRS's). */
async function observeAndPlan(ctx: Ctx, pool: Pool): Promise<PoolPlan> {
  const namespace = pool.metadata.namespace ?? "";
  const cached = ctx.cache<VM>(virtualMachines).byIndex("byNamespace", namespace);
  const plan = planPool({ pool, vms: cached });
  if (plan.create.length + plan.delete.length === 0) return plan;
  const live = await ctx.rest.list<VM>(virtualMachines, { namespace, signal: ctx.signal });
  return planPool({ pool, vms: live.items });
}

/** Creates and deletes the plan's VMs; answers the first failure, as the status reports it. */
async function scale(ctx: Ctx, pool: Pool, plan: PoolPlan) {
  for (const vm of plan.create) {
    try {
      await ctx.rest.create(virtualMachines, vm, { signal: ctx.signal });
      await ctx.events.normal(pool, "SuccessfulCreate", `Created VM ${vm.metadata.name}`);
    } catch (error) {
      if (isAlreadyExists(error)) continue; // The cache was behind our own create.
      const message = `Error creating VM ${vm.metadata.name}: ${messageOf(error)}`;
      await ctx.events.warning(pool, "FailedCreate", message);
      return { reason: "FailedCreate", message };
    }
  }
  for (const vm of plan.delete) {
    const ref = { namespace: vm.metadata.namespace ?? "", name: vm.metadata.name ?? "" };
    try {
      await ctx.rest.delete(virtualMachines, ref, {
        preconditions: { uid: vm.metadata.uid ?? "" },
        signal: ctx.signal,
      });
      await ctx.events.normal(pool, "SuccessfulDelete", `Deleted VM ${vm.metadata.name}`);
    } catch (error) {
      if (isNotFound(error)) continue;
      const message = `Error deleting VM ${vm.metadata.name}: ${messageOf(error)}`;
      await ctx.events.warning(pool, "FailedDelete", message);
      return { reason: "FailedDelete", message };
    }
  }
  return undefined;
}

async function reconcilePool(ctx: Ctx): Promise<ReconcileResult | void> {
  const pool = ctx.object;
  if (!pool) return; // Gone: the garbage collector deletes the VMs it owned.
  const plan = await observeAndPlan(ctx, pool);
  const failure = await scale(ctx, pool, plan);
  const deleted = new Set(plan.delete.map((vm) => vm.metadata.uid));
  const active = [...plan.active.filter((vm) => !deleted.has(vm.metadata.uid)), ...plan.create];
  const owned = poolStatusOf(pool, active, failure, Date.now());
  const current = pool.status ?? {};
  const unchanged = current.replicas === owned.replicas &&
    current.readyReplicas === owned.readyReplicas &&
    current.labelSelector === owned.labelSelector &&
    sameJson(current.conditions ?? [], owned.conditions);
  if (!unchanged) {
    await ctx.rest.patch(
      virtualMachinePools,
      { namespace: pool.metadata.namespace ?? "", name: pool.metadata.name ?? "" },
      { status: { ...owned, conditions: owned.conditions.length ? owned.conditions : null } },
      {
        type: "merge",
        subresource: "status",
        fieldManager: FIELD_MANAGERS.controllers,
        signal: ctx.signal,
      },
    );
  }
  if (failure) throw new Error(`Cannot scale VM pool ${ctx.key}: ${failure.message}`);
}

/** The VM pool controller. */
export function poolController(): Controller<Pool> {
  return {
    name: "pool",
    for: virtualMachinePools,
    // A VM's change (created, ready, deleted) goes to the pool that owns it.
    watches: [{
      resource: virtualMachines,
      mapToKeys: (vm) => ownerKeysOf(vm, virtualMachinePools),
    }],
    async reconcile(_key, ctx): Promise<ReconcileResult | void> {
      try {
        return await reconcilePool(ctx);
      } catch (error) {
        if (ctx.signal.aborted) return; // Stopping or no longer leading: the next leader redoes it.
        throw error;
      }
    },
  };
}
