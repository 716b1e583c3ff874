/**
 * What a VM's run strategy asks of its VMI right now: create one, delete one, or leave it be.
 * Pure: KubeVirt's `syncRunStrategy` decisions, table-tested in desired_test.ts.
 */
import {
  hasStartRequest,
  isFinished,
  type RunStrategy,
  type VirtualMachine,
  type VirtualMachineInstance,
} from "../../api/mod.ts";
import { startBackoffLeftMs } from "./crashloop.ts";
import { hasStopRequestFor } from "./run_strategy.ts";

/** What to do about the VM's VMI. */
export type VmiAction =
  | { kind: "keep" }
  | { kind: "create" }
  /** Delete the VMI with this UID (the agent shuts the guest down within its grace period). */
  | { kind: "delete"; uid: string }
  /** Start later: the VM is in start-failure backoff. */
  | { kind: "backoff"; ms: number }
  /** A Halted VM asked to start: switch it to Always (KubeVirt does this for paused starts). */
  | { kind: "runAlways" };

/** The run strategy's verdict, with the reason in words for logs and tests. */
export interface VmDesired {
  action: VmiAction;
  /** Queue a start request after the delete (RerunOnFailure restarting a failed VMI). */
  appendStartRequest: boolean;
  why: string;
}

const keep = (why: string): VmDesired => ({
  action: { kind: "keep" },
  appendStartRequest: false,
  why,
});
const create = (why: string): VmDesired => ({
  action: { kind: "create" },
  appendStartRequest: false,
  why,
});
const remove = (vmi: VirtualMachineInstance, why: string, restart = false): VmDesired => ({
  action: { kind: "delete", uid: vmi.metadata.uid ?? "" },
  appendStartRequest: restart,
  why,
});

/** A create, unless the VM is still backing off after failed starts. */
function startUnlessBackingOff(vm: VirtualMachine, now: number, why: string): VmDesired {
  const ms = startBackoffLeftMs(vm.status?.startFailure ?? undefined, now);
  if (ms > 0) {
    return {
      action: { kind: "backoff", ms },
      appendStartRequest: false,
      why: `${why}, after backoff`,
    };
  }
  return create(why);
}

/** The VMI action for `vm` under `runStrategy`, given its current VMI (if any). */
export function desiredVmi(
  vm: VirtualMachine,
  vmi: VirtualMachineInstance | undefined,
  runStrategy: RunStrategy,
  now: number,
): VmDesired {
  const deleting = !!vmi?.metadata.deletionTimestamp;
  if (vm.metadata.deletionTimestamp) {
    if (vmi && !deleting) return remove(vmi, "the VM is being deleted");
    return keep("the VM is being deleted");
  }
  switch (runStrategy) {
    case "Always":
      if (!vmi) return startUnlessBackingOff(vm, now, "Always keeps a VMI running");
      if (deleting) return keep("the VMI is going away; a new one follows");
      if (hasStopRequestFor(vm, vmi)) return remove(vmi, "restart requested");
      if (isFinished(vmi.status?.phase)) {
        return remove(vmi, `the VMI ${vmi.status?.phase}; Always restarts it`);
      }
      return keep("the VMI runs");
    case "RerunOnFailure":
      if (vmi) {
        if (deleting) return keep("the VMI is going away");
        if (hasStopRequestFor(vm, vmi)) return remove(vmi, "stop requested");
        if (vmi.status?.phase === "Failed") return remove(vmi, "the VMI failed; rerun it", true);
        if (vmi.status?.phase === "Succeeded") {
          return remove(vmi, "the VMI succeeded; stay stopped");
        }
        return keep("the VMI runs");
      }
      // A start request, or a VM that has not run under this strategy yet, starts.
      if (!hasStartRequest(vm) && vm.status?.runStrategy === "RerunOnFailure") {
        return keep("stopped until started");
      }
      return startUnlessBackingOff(vm, now, "RerunOnFailure starts");
    case "Manual":
      if (vmi) {
        if (!deleting && hasStopRequestFor(vm, vmi)) return remove(vmi, "stop requested");
        return keep("Manual changes only on requests");
      }
      return hasStartRequest(vm) ? create("start requested") : keep("stopped until started");
    case "Halted":
      if (vmi) return deleting ? keep("the VMI is going away") : remove(vmi, "Halted runs no VMI");
      if (hasStartRequest(vm)) {
        return { action: { kind: "runAlways" }, appendStartRequest: false, why: "start requested" };
      }
      return keep("Halted runs no VMI");
    case "Once":
      return vmi ? keep("Once never restarts") : create("Once runs one VMI");
    case "WaitAsReceiver":
      return keep("WaitAsReceiver is not supported");
  }
}
