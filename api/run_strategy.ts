/**
 * A VM's run strategy and its state change requests, read the way KubeVirt reads them. The
 * controllers act on them; the subresource API writes requests by these same rules.
 */
import type { RunStrategy } from "./virtual_machine.ts";

/** The parts of a VM these rules read. */
export interface RunStrategyVm {
  metadata: { name?: string; namespace?: string };
  spec?: { running?: boolean | null; runStrategy?: RunStrategy | string };
  status?: { stateChangeRequests?: readonly StateChangeRequestLike[] };
}

/** A state change request as KubeVirt stores it in `status.stateChangeRequests`. */
export interface StateChangeRequestLike {
  action: string;
  uid?: string;
  data?: Record<string, string>;
}

/** A VM whose run strategy cannot be read: nothing to do until its spec changes. */
export class RunStrategyError extends Error {
  override name = "RunStrategyError";
}

/**
 * The run strategy of `vm`: `running: true` is Always, `running: false` or nothing is Halted;
 * both at once is refused (as KubeVirt's `VirtualMachine.RunStrategy()` refuses it).
 */
export function runStrategyOf(vm: RunStrategyVm): RunStrategy {
  const running = vm.spec?.running ?? undefined;
  const runStrategy = vm.spec?.runStrategy;
  if (running !== undefined && runStrategy !== undefined) {
    throw new RunStrategyError(
      `Cannot run VM ${vm.metadata.namespace}/${vm.metadata.name}: ` +
        "spec.running and spec.runStrategy are mutually exclusive",
    );
  }
  if (runStrategy !== undefined) return runStrategy as RunStrategy;
  return running === true ? "Always" : "Halted";
}

/** The first request is a start request (only the first one is acted upon). */
export function hasStartRequest(vm: RunStrategyVm): boolean {
  return vm.status?.stateChangeRequests?.[0]?.action === "Start";
}

/** The first request asks to stop the VMI with `uid`. */
export function hasStopRequestFor(vm: RunStrategyVm, uid: string | undefined): boolean {
  const first = vm.status?.stateChangeRequests?.[0];
  return first?.action === "Stop" && first.uid !== undefined && first.uid === uid;
}

/** A start request that asks to start paused (`virtctl start --paused`). */
export function hasStartPausedRequest(vm: RunStrategyVm): boolean {
  const first = vm.status?.stateChangeRequests?.[0];
  return first?.action === "Start" && first.data?.paused === "true";
}
