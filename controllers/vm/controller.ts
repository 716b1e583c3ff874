/** The VM controller: keeps the VMI a VM's run strategy asks for, and the VM's status true. */
import { type VM, VM_CONTROLLER_FINALIZER } from "../../api/mod.ts";
import {
  type CacheReader,
  type Controller,
  ownerKeysOf,
  type ReconcileContext,
  type ReconcileResult,
} from "../../lib/controller.ts";
import { isNotFound } from "../../lib/kube/api_error.ts";
import { keyOf, type KubeObject } from "../../lib/kube/object.ts";
import { dataVolumes, virtualMachineInstances, virtualMachines } from "../../lib/kube/resources.ts";
import { conditionOf } from "../../api/conditions.ts";
import { editFinalizers, patchFinalizers, patchOwnedStatus } from "../writes.ts";
import { apply, ApplyError } from "./apply.ts";
import { applyVolumeRequests } from "./apply_volume_requests.ts";
import { dataVolumeKeysOf } from "./data_volumes.ts";
import { observe } from "./observe.ts";
import { planFor } from "./plan.ts";
import { vmStatusOf } from "./status.ts";
import { storeInstancetypeRevisions } from "./instancetype_store.ts";

type Ctx = ReconcileContext<VM>;

async function reconcileVm(ctx: Ctx): Promise<ReconcileResult | void> {
  const vm = ctx.object;
  if (!vm) return;
  // Instance types and preferences are frozen in revisions before the VM's VMI is planned; the
  // VM's write comes back through the watch.
  if (!vm.metadata.deletionTimestamp && await storeInstancetypeRevisions(ctx, vm)) return;
  if (!vm.metadata.deletionTimestamp && await applyVolumeRequests(ctx, vm)) return;
  const now = Date.now();
  const observed = observe(ctx, vm);
  const plan = planFor(observed, now);
  let latest: VM = vm;
  // The VMI this pass created counts at once: the status need not wait for the cache to show it
  // (one status write fewer per start).
  let vmi = plan.vmi;
  let failure: ApplyError | undefined;
  if (!plan.problem) {
    try {
      const applied = await apply(ctx, vm, plan);
      if (applied === "changed") return { requeue: "now" };
      latest = applied.latest;
      vmi = applied.created ?? vmi;
    } catch (error) {
      if (!(error instanceof ApplyError)) throw error;
      failure = error;
    }
  }
  const status = vmStatusOf({
    vm,
    vmi,
    runStrategy: plan.runStrategy,
    action: plan.desired.action,
    appendStartRequest: plan.desired.appendStartRequest,
    error: plan.problem ?? failure?.sync ?? plan.dataVolumeError,
    volumes: observed.volumes,
    creatingDataVolumes: !plan.problem && plan.dataVolumes.create.length > 0,
    now,
  });
  if (latest.metadata.deletionTimestamp && plan.finalizer === "remove") return; // Gone now.
  const write = await patchOwnedStatus(
    ctx.rest,
    virtualMachines,
    vm,
    latest,
    status as Record<string, unknown>,
    undefined,
    ctx.signal,
  );
  if (write === "stale") return { requeue: "now" };
  if (
    status.printableStatus === "DataVolumeError" &&
    vm.status?.printableStatus !== status.printableStatus
  ) {
    for (const name of plan.dataVolumes.failed) {
      await ctx.events.warning(
        vm,
        "FailedDataVolumeImport",
        `DataVolume ${name} failed to import disk image`,
      );
    }
  }
  // A DataVolume problem once, when it becomes the VM's Failure condition.
  const dvError = plan.dataVolumeError;
  const failureNow = conditionOf(status.conditions, "Failure")?.message;
  if (
    dvError && failureNow === dvError.message &&
    conditionOf(vm.status?.conditions, "Failure")?.message !== failureNow
  ) {
    await ctx.events.warning(vm, dvError.reason, dvError.message);
  }
  if (failure) throw failure.failure;
  if (plan.releaseVmi && plan.vmi) {
    const vmi = plan.vmi;
    const finalizers = editFinalizers(vmi.metadata.finalizers, [], [VM_CONTROLLER_FINALIZER]);
    await patchFinalizers(ctx.rest, virtualMachineInstances, vmi, finalizers, ctx.signal)
      .catch((error) => {
        if (!isNotFound(error)) throw error;
      });
  }
  const action = plan.desired.action;
  if (action.kind === "backoff") return { requeueAfterMs: action.ms };
}

/** The VM cache's index of the DataVolumes each VM names (its templates and volumes). */
export const BY_DATA_VOLUME = "byDataVolume";

/** The VM controller. */
export function vmController(): Controller<VM> {
  // A DataVolume's change goes to the VMs that own it or name it.
  const vmKeysOfDataVolume = (dv: KubeObject, cache: CacheReader): string[] => {
    const keys = new Set(ownerKeysOf(dv, virtualMachines));
    for (const vm of cache(virtualMachines).byIndex(BY_DATA_VOLUME, keyOf(dv))) keys.add(keyOf(vm));
    return [...keys];
  };
  return {
    name: "vm",
    for: virtualMachines,
    watches: [
      // The VMI is named after its VM, so its key is the VM's key, owned or not.
      { resource: virtualMachineInstances, mapToKeys: (vmi) => [keyOf(vmi)] },
      { resource: dataVolumes, mapToKeys: vmKeysOfDataVolume },
    ],
    indexes: [{
      resource: virtualMachines,
      name: BY_DATA_VOLUME,
      index: (vm) => dataVolumeKeysOf(vm as VM),
    }],
    concurrency: 4,
    async reconcile(_key, ctx): Promise<ReconcileResult | void> {
      try {
        return await reconcileVm(ctx);
      } catch (error) {
        if (ctx.signal.aborted) return; // Stopping or no longer leading: the next leader redoes it.
        throw error;
      }
    },
  };
}
