/** A VM plan's writes: its finalizer, its templates' DataVolumes, its VMI created or deleted. */
import { type DV, type VM, VM_CONTROLLER_FINALIZER, type VMI } from "../../api/mod.ts";
import type { ReconcileContext } from "../../lib/controller.ts";
import { messageOf } from "../../lib/errors.ts";
import { isAlreadyExists, isConflict, isNotFound } from "../../lib/kube/api_error.ts";
import { dataVolumes, virtualMachineInstances, virtualMachines } from "../../lib/kube/resources.ts";
import { editFinalizers, patchFinalizers } from "../writes.ts";
import { isForeignDataVolume } from "./data_volumes.ts";
import { expandedVmi } from "./instancetype_vmi.ts";
import { matchedSpecsOf } from "./instancetype_store.ts";
import type { VmPlan } from "./plan.ts";
import type { SyncError } from "./status.ts";
import { isControlledBy, vmiFor } from "./vmi_for.ts";

type Ctx = ReconcileContext<VM>;

/** A failed write: retried, and reported in the Failure condition meanwhile. */
export class ApplyError extends Error {
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
export async function apply(ctx: Ctx, vm: VM, plan: VmPlan): Promise<Applied | "changed"> {
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
