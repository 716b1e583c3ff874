/** The VM controller: keeps the VMI a VM's run strategy asks for, and the VM's status true. */
import {
  type DV,
  FIELD_MANAGERS,
  type PersistentVolumeClaim,
  type VM,
  VM_CONTROLLER_FINALIZER,
  type VMI,
  volumesPatchOf,
} from "../../api/mod.ts";
import {
  type CacheReader,
  type Controller,
  ownerKeysOf,
  type ReconcileContext,
  type ReconcileResult,
} from "../../lib/controller.ts";
import { messageOf } from "../../lib/errors.ts";
import { isAlreadyExists, isConflict, isNotFound } from "../../lib/kube/api_error.ts";
import { keyOf, type KubeObject } from "../../lib/kube/object.ts";
import {
  dataVolumes,
  persistentVolumeClaims,
  virtualMachineInstances,
  virtualMachines,
} from "../../lib/kube/resources.ts";
import { conditionOf } from "../../api/conditions.ts";
import type { DataVolumeObject, VolumeView } from "../volumes.ts";
import { editFinalizers, patchFinalizers, patchOwnedStatus } from "../writes.ts";
import { dataVolumeKeysOf, isForeignDataVolume } from "./data_volumes.ts";
import { planFor, type VmObserved, type VmPlan } from "./plan.ts";
import { type SyncError, vmStatusOf } from "./status.ts";
import { isControlledBy, vmiFor } from "./vmi_for.ts";
import { matchedSpecsOf, storeInstancetypeRevisions } from "./instancetype_store.ts";
import { expandedVmi } from "./instancetype_vmi.ts";
import { volumeRequestPlan } from "./volume_requests.ts";

type Ctx = ReconcileContext<VM>;

/** What the caches hold about one VM. */
export function observe(ctx: Ctx, vm: VM): VmObserved {
  const namespace = vm.metadata.namespace ?? "";
  const pvcs = ctx.cache<PersistentVolumeClaim>(persistentVolumeClaims);
  const dvs = ctx.cache<DataVolumeObject>(dataVolumes);
  const volumes: VolumeView = {
    claim: (name) => pvcs.get(`${namespace}/${name}`),
    dataVolume: (name) => dvs.get(`${namespace}/${name}`),
  };
  const vmi = ctx.cache<VMI>(virtualMachineInstances).get(ctx.key);
  return { vm, vmi, volumes };
}

/** A failed write: retried, and reported in the Failure condition meanwhile. */
class ApplyError extends Error {
  constructor(readonly sync: SyncError, readonly failure: unknown) {
    super(sync.message);
  }
}

/** Create a DataVolume of the VM's templates (one of its name that is the VM's already is fine). */
async function createDataVolume(ctx: Ctx, vm: VM, dv: DV): Promise<void> {
  const name = dv.metadata.name ?? "";
  const id = `${dv.metadata.namespace}/${name}`;
  try {
    await ctx.rest.create(dataVolumes, dv, { signal: ctx.signal });
    ctx.log.info("Created a DataVolume of the VM's templates", { dataVolume: name });
    await ctx.events.normal(vm, "SuccessfulDataVolumeCreate", `Created DataVolume ${name}`);
    return;
  } catch (error) {
    if (!isAlreadyExists(error)) {
      const message = `Error creating DataVolume ${id}: ${messageOf(error)}`;
      await ctx.events.warning(vm, "FailedDataVolumeCreate", message);
      throw new ApplyError({ reason: "FailedDataVolumeCreate", message }, error);
    }
    // The cache is behind our own create, or another owner took the name.
    const existing = await ctx.rest.get<DV>(
      dataVolumes,
      { namespace: dv.metadata.namespace ?? "", name },
      ctx.signal,
    );
    if (isForeignDataVolume(existing, vm)) {
      const message =
        `Cannot create DataVolume ${id}: it exists and is controlled by another owner`;
      await ctx.events.warning(vm, "FailedDataVolumeCreate", message);
      throw new ApplyError({ reason: "FailedDataVolumeCreate", message }, error);
    }
  }
}

/** What the plan's writes left: the VM as it is after them, and the VMI they created. */
interface Applied {
  latest: VM;
  created?: VMI;
}

/**
 * Carry out the plan's writes; answers what they left, or "changed" when a write changed the VM
 * so that the pass must be planned again.
 */
async function apply(ctx: Ctx, vm: VM, plan: VmPlan): Promise<Applied | "changed"> {
  const signal = ctx.signal;
  let latest = vm;
  let created: VMI | undefined;
  if (plan.finalizer === "add") {
    const finalizers = editFinalizers(vm.metadata.finalizers, [VM_CONTROLLER_FINALIZER]);
    latest = await patchFinalizers<VM>(ctx.rest, virtualMachines, vm, finalizers, signal);
  }
  for (const dv of plan.dataVolumes.create) await createDataVolume(ctx, latest, dv);
  const action = plan.desired.action;
  const id = `${vm.metadata.namespace}/${vm.metadata.name}`;
  if (action.kind === "create") {
    try {
      const vmi = expandedVmi(latest, vmiFor(latest), await matchedSpecsOf(ctx, latest));
      created = await ctx.rest.create<VMI>(virtualMachineInstances, vmi, { signal });
      ctx.log.info("Started VM by creating its VMI", { why: plan.desired.why });
      // Not awaited (a recorder never rejects): the VM's status write need not wait for it.
      void ctx.events.normal(
        vm,
        "SuccessfulCreate",
        `Started the virtual machine by creating the new virtual machine instance ${created.metadata?.name}`,
      );
    } catch (error) {
      if (!isAlreadyExists(error)) {
        const message = `Cannot start VM ${id}: ${messageOf(error)}`;
        await ctx.events.warning(vm, "FailedCreate", message);
        throw new ApplyError({ reason: "FailedCreate", message }, error);
      }
      // The cache is behind our own create, or another VMI took the name.
      const existing = await ctx.rest.get<VMI>(
        virtualMachineInstances,
        { namespace: vm.metadata.namespace ?? "", name: vm.metadata.name ?? "" },
        signal,
      );
      if (!isControlledBy(existing, vm)) {
        const message = `Cannot start VM ${id}: VMI ${id} exists and is not controlled by this VM`;
        throw new ApplyError({ reason: "FailedCreate", message }, error);
      }
    }
  } else if (action.kind === "delete") {
    try {
      await ctx.rest.delete(
        virtualMachineInstances,
        { namespace: vm.metadata.namespace ?? "", name: vm.metadata.name ?? "" },
        { preconditions: { uid: action.uid }, signal },
      );
      ctx.log.info("Stopping VM by deleting its VMI", { why: plan.desired.why, uid: action.uid });
      await ctx.events.normal(
        vm,
        "SuccessfulDelete",
        `Stopped the virtual machine by deleting the virtual machine instance ${action.uid}`,
      );
    } catch (error) {
      if (isNotFound(error)) return { latest };
      if (isConflict(error)) throw error; // A newer VMI: the cache will show it.
      const message = `Cannot stop VM ${id}: ${messageOf(error)}`;
      await ctx.events.warning(vm, "FailedDelete", message);
      throw new ApplyError({ reason: "FailedDelete", message }, error);
    }
  } else if (action.kind === "runAlways") {
    const spec = vm.spec.running !== undefined
      ? { ...latest.spec, running: true }
      : { ...latest.spec, runStrategy: "Always" as const };
    await ctx.rest.update(virtualMachines, { ...latest, spec }, { signal });
    ctx.log.info("Switched a Halted VM to Always on a start request");
    return "changed";
  }
  if (plan.finalizer === "remove") {
    const finalizers = editFinalizers(latest.metadata.finalizers, [], [VM_CONTROLLER_FINALIZER]);
    latest = await patchFinalizers<VM>(ctx.rest, virtualMachines, latest, finalizers, signal);
  }
  return created ? { latest, created } : { latest };
}

/**
 * Apply the VM's queued volume requests to its running VMI (hotplug now) and its template (kept
 * for the next start); answers whether the VM was written, whose change comes back by the watch.
 */
async function applyVolumeRequests(ctx: Ctx, vm: VM): Promise<boolean> {
  const vmi = ctx.cache<VMI>(virtualMachineInstances).get(ctx.key);
  const plan = volumeRequestPlan(vm, vmi);
  if (plan.vmi && vmi) {
    await ctx.rest.patch(
      virtualMachineInstances,
      { namespace: vmi.metadata.namespace ?? "", name: vmi.metadata.name ?? "" },
      volumesPatchOf(vmi.spec, plan.vmi),
      { type: "json", fieldManager: FIELD_MANAGERS.controllers, signal: ctx.signal },
    );
    ctx.log.info("Applied the VM's volume requests to its VMI");
  }
  if (!plan.template) return false;
  const template = { ...vm.spec.template, spec: plan.template };
  await ctx.rest.update(virtualMachines, { ...vm, spec: { ...vm.spec, template } }, {
    signal: ctx.signal,
  });
  ctx.log.info("Applied the VM's volume requests to its template");
  return true;
}

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
