/** Carrying out a VM's queued volume requests (hotplug) on its VMI and its template. */
import { FIELD_MANAGERS, type VM, type VMI, volumesPatchOf } from "../../api/mod.ts";
import type { ReconcileContext } from "../../lib/controller.ts";
import { virtualMachineInstances, virtualMachines } from "../../lib/kube/resources.ts";
import { volumeRequestPlan } from "./volume_requests.ts";

type Ctx = ReconcileContext<VM>;

/**
 * Apply the VM's queued volume requests to its running VMI (hotplug now) and its template (kept
 * for the next start); answers whether the VM was written, whose change comes back by the watch.
 */
export async function applyVolumeRequests(ctx: Ctx, vm: VM): Promise<boolean> {
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
