/** What a VM pass sees: the VM, its VMI and the claims and DataVolumes its volumes name. */
import type { PersistentVolumeClaim, VM, VMI } from "../../api/mod.ts";
import type { ReconcileContext } from "../../lib/controller.ts";
import {
  dataVolumes,
  persistentVolumeClaims,
  virtualMachineInstances,
} from "../../lib/kube/resources.ts";
import type { DataVolumeObject, VolumeView } from "../volumes.ts";
import type { VmObserved } from "./plan.ts";

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
