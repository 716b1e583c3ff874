/** How the controllers read a VM's state change requests against its VMI (KubeVirt's rules). */
import {
  hasStopRequestFor as hasStopRequestForUid,
  isFinished,
  type VirtualMachine,
  type VirtualMachineInstance,
} from "../../api/mod.ts";

/** The first request asks to stop this very VMI. */
export function hasStopRequestFor(vm: VirtualMachine, vmi: VirtualMachineInstance): boolean {
  return hasStopRequestForUid(vm, vmi.metadata.uid);
}

/** Whether the first request has been honoured and can be removed (KubeVirt's rules). */
export function firstRequestDone(
  vm: VirtualMachine,
  vmi: VirtualMachineInstance | undefined,
): boolean {
  const first = vm.status?.stateChangeRequests?.[0];
  if (!first) return false;
  if (first.action === "Stop") {
    // No VMI, a request without a UID, or a UID of an earlier VMI: that VMI is gone.
    return !vmi || first.uid === undefined || first.uid !== vmi.metadata.uid;
  }
  return !!vmi && !vmi.metadata.deletionTimestamp && !isFinished(vmi.status?.phase);
}

/** The VMI reached Running at some point (KubeVirt reads the phase transition timestamps). */
export function wasRunning(vmi: VirtualMachineInstance): boolean {
  return vmi.status?.phase === "Running" ||
    (vmi.status?.phaseTransitionTimestamps ?? []).some((t) => t.phase === "Running");
}
