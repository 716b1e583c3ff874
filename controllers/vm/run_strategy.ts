/** A VM's run strategy and its state change requests, read the way KubeVirt reads them. */
import type { RunStrategy, VirtualMachine, VirtualMachineInstance } from "../../api/mod.ts";

/** The run strategy of `vm`: `running: true` is Always, `running: false` or nothing is Halted. */
export function runStrategyOf(vm: VirtualMachine): RunStrategy {
  const { running, runStrategy } = vm.spec;
  if (running !== undefined && runStrategy !== undefined) {
    throw new RunStrategyError(
      `Cannot run VM ${vm.metadata.namespace}/${vm.metadata.name}: ` +
        "spec.running and spec.runStrategy are mutually exclusive",
    );
  }
  if (runStrategy !== undefined) return runStrategy;
  return running === true ? "Always" : "Halted";
}

/** A VM whose run strategy cannot be read: nothing to do until its spec changes. */
export class RunStrategyError extends Error {
  override name = "RunStrategyError";
}

/** The first request is a start request (only the first one is acted upon). */
export function hasStartRequest(vm: VirtualMachine): boolean {
  return vm.status?.stateChangeRequests?.[0]?.action === "Start";
}

/** The first request asks to stop this very VMI. */
export function hasStopRequestFor(vm: VirtualMachine, vmi: VirtualMachineInstance): boolean {
  const first = vm.status?.stateChangeRequests?.[0];
  return first?.action === "Stop" && first.uid !== undefined && first.uid === vmi.metadata.uid;
}

/** A start request that asks to start paused (`virtctl start --paused`). */
export function hasStartPausedRequest(vm: VirtualMachine): boolean {
  const first = vm.status?.stateChangeRequests?.[0];
  return first?.action === "Start" && first.data?.paused === "true";
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
  return !!vmi && !vmi.metadata.deletionTimestamp && !isFinal(vmi);
}

/** Succeeded or Failed: the guest has ended for good. */
export function isFinal(vmi: VirtualMachineInstance): boolean {
  const phase = vmi.status?.phase;
  return phase === "Succeeded" || phase === "Failed";
}

/** The VMI reached Running at some point (KubeVirt reads the phase transition timestamps). */
export function wasRunning(vmi: VirtualMachineInstance): boolean {
  return vmi.status?.phase === "Running" ||
    (vmi.status?.phaseTransitionTimestamps ?? []).some((t) => t.phase === "Running");
}
