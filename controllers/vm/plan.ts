/** observe -> plan for one VM: its VMI action, its finalizer, and problems to report. Pure. */
import {
  isFinished,
  type RunStrategy,
  runStrategyOf,
  type VirtualMachine,
  type VM,
  VM_CONTROLLER_FINALIZER,
  type VMI,
} from "../../api/mod.ts";
import { messageOf } from "../../lib/errors.ts";
import type { VolumeView } from "../volumes.ts";
import { dataVolumesAllowStart, type VmDataVolumes, vmDataVolumesOf } from "./data_volumes.ts";
import { desiredVmi, type VmDesired } from "./desired.ts";
import type { SyncError } from "./status.ts";
import { isControlledBy } from "./vmi_for.ts";

/** What a pass sees of one VM. */
export interface VmObserved {
  vm: VM;
  /** The VMI named after the VM, whoever controls it. */
  vmi: VMI | undefined;
  volumes: VolumeView;
}

/** What a pass will do for one VM. */
export interface VmPlan {
  runStrategy: RunStrategy | undefined;
  /** The VM's own VMI (undefined when the VMI of its name belongs to something else). */
  vmi: VMI | undefined;
  desired: VmDesired;
  /** Add or remove the VM controller's finalizer on the VM. */
  finalizer: "add" | "remove" | undefined;
  /** Remove the VM controller's finalizer from the VMI once the VM status records its end. */
  releaseVmi: boolean;
  /** A problem found while planning: reported in the Failure condition, nothing applied. */
  problem: SyncError | undefined;
  /** The DataVolumes to create from the templates, and those that hold the VMI back. */
  dataVolumes: VmDataVolumes;
  /** A DataVolume problem: reported in the Failure condition while the rest is applied. */
  dataVolumeError: SyncError | undefined;
}

const idOf = (vm: VirtualMachine) => `${vm.metadata.namespace}/${vm.metadata.name}`;
const nothing = (why: string): VmDesired => ({
  action: { kind: "keep" },
  appendStartRequest: false,
  why,
});

/** The plan for one VM at time `now`. */
export function planFor({ vm, vmi: named, volumes }: VmObserved, now: number): VmPlan {
  const foreign = named && !isControlledBy(named, vm) ? named : undefined;
  const vmi = foreign ? undefined : named;
  const finalizers = vm.metadata.finalizers ?? [];
  const hasFinalizer = finalizers.includes(VM_CONTROLLER_FINALIZER);
  const finalizer = vm.metadata.deletionTimestamp
    ? (!vmi && hasFinalizer ? "remove" : undefined)
    : (hasFinalizer ? undefined : "add");
  // Once the VMI ended, or is going away with nothing but this finalizer holding it (its agent
  // let go, or never took it): there is nothing more to see.
  const vmiFinalizers = vmi?.metadata.finalizers ?? [];
  const releaseVmi = !!vmi && vmiFinalizers.includes(VM_CONTROLLER_FINALIZER) &&
    (isFinished(vmi.status?.phase) ||
      (!!vmi.metadata.deletionTimestamp && vmiFinalizers.length === 1));
  const dataVolumes = vmDataVolumesOf(vm, volumes);
  const base = { vmi, finalizer, releaseVmi, dataVolumes, dataVolumeError: undefined } as const;

  let runStrategy: RunStrategy;
  try {
    runStrategy = runStrategyOf(vm);
  } catch (error) {
    return {
      ...base,
      runStrategy: undefined,
      desired: nothing("no readable run strategy"),
      problem: { reason: "FailedCreate", message: messageOf(error) },
    };
  }
  if (foreign && !vm.metadata.deletionTimestamp) {
    return {
      ...base,
      runStrategy,
      desired: nothing("the VMI of this name is not the VM's"),
      problem: {
        reason: "FailedCreate",
        message: `Cannot start VM ${idOf(vm)}: VMI ${idOf(vm)} exists and is not controlled ` +
          "by this VM: delete it, or delete and recreate the VM",
      },
    };
  }
  if (runStrategy === "WaitAsReceiver" && !vm.metadata.deletionTimestamp) {
    return {
      ...base,
      runStrategy,
      desired: nothing("WaitAsReceiver is not supported"),
      problem: {
        reason: "FailedCreate",
        message: `Cannot run VM ${idOf(vm)}: runStrategy WaitAsReceiver is not supported`,
      },
    };
  }
  return {
    ...base,
    runStrategy,
    desired: holdForDataVolumes(desiredVmi(vm, vmi, runStrategy, now), dataVolumes),
    problem: undefined,
    dataVolumeError: foreignDataVolumesError(vm, dataVolumes),
  };
}

/** A VMI is created only once every DataVolume it would use can be consumed (KubeVirt's order). */
function holdForDataVolumes(desired: VmDesired, dataVolumes: VmDataVolumes): VmDesired {
  if (desired.action.kind !== "create" || dataVolumesAllowStart(dataVolumes)) return desired;
  const { waiting, failed, foreign } = dataVolumes;
  const why = failed.length
    ? `DataVolume ${failed.join(", ")} failed`
    : foreign.length
    ? `DataVolume ${foreign.join(", ")} belongs to another owner`
    : `waiting for DataVolume ${waiting.join(", ")}`;
  return nothing(`${desired.why}, but ${why}`);
}

function foreignDataVolumesError(vm: VM, dataVolumes: VmDataVolumes): SyncError | undefined {
  if (!dataVolumes.foreign.length || vm.metadata.deletionTimestamp) return undefined;
  const names = dataVolumes.foreign.map((n) => `${vm.metadata.namespace}/${n}`).join(", ");
  return {
    reason: "FailedDataVolumeCreate",
    message: `Cannot create the DataVolumes of VM ${idOf(vm)}: DataVolume ${names} exists and ` +
      "is controlled by another owner: delete it, or rename the VM's dataVolumeTemplate",
  };
}
