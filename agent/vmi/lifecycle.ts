/**
 * Pause and unpause, for the subresource API (`virtctl pause vmi`): KubeVirt keeps the paused
 * state in the hypervisor, and the agent reflects it into the VMI's Paused condition.
 */
import type { VMI } from "../../api/mod.ts";
import type { ReadonlyStore } from "../../lib/cache.ts";
import type { EventRecorder } from "../../lib/events.ts";
import { type Hypervisor, OperationInvalidError } from "../libvirt/mod.ts";
import { domainNameOfKey } from "./keys.ts";

/** A request the VMI's state does not allow (the API answers it with 409 Conflict). */
export class LifecycleConflictError extends Error {
  override name = "LifecycleConflictError";
}

/** A VMI this node does not run (the API answers it with 404 Not Found). */
export class LifecycleNotFoundError extends Error {
  override name = "LifecycleNotFoundError";
}

export interface LifecycleContext {
  node: string;
  vmis: ReadonlyStore<VMI>;
  hypervisor: Hypervisor;
  /** Reconcile the key soon, so that the status shows the change. */
  enqueue(key: string): void;
  /** Where the Events virt-handler records for these actions go (none: not recorded). */
  events?: Pick<EventRecorder, "normal">;
}

/** virt-handler's Event for each node action: reason and message. */
export const ACTION_EVENTS = {
  pause: ["Paused", "VirtualMachineInstance paused"],
  unpause: ["Unpaused", "VirtualMachineInstance unpaused"],
  softReboot: ["SoftRebooted", "VirtualMachineInstance soft rebooted"],
} as const;

/** Records the Event of `action` on `vmi`; a failed write only loses the Event. */
export function recordAction(
  ctx: LifecycleContext,
  vmi: VMI,
  action: keyof typeof ACTION_EVENTS,
): void {
  const [reason, message] = ACTION_EVENTS[action];
  void ctx.events?.normal(vmi, reason, message).catch(() => {});
}

/** Pauses the guest of a Running VMI of this node. */
export function pauseVmi(ctx: LifecycleContext, namespace: string, name: string): Promise<void> {
  return change(ctx, namespace, name, "pause");
}

/** Resumes the guest of a paused VMI of this node. */
export function unpauseVmi(ctx: LifecycleContext, namespace: string, name: string): Promise<void> {
  return change(ctx, namespace, name, "unpause");
}

async function change(
  ctx: LifecycleContext,
  namespace: string,
  name: string,
  verb: "pause" | "unpause",
): Promise<void> {
  const key = `${namespace}/${name}`;
  const vmi = ctx.vmis.get(key);
  if (!vmi || vmi.status?.nodeName !== ctx.node) {
    throw new LifecycleNotFoundError(
      `Cannot ${verb} VMI ${key}: it does not run on node ${ctx.node}`,
    );
  }
  if (vmi.status?.phase !== "Running" || vmi.metadata.deletionTimestamp) {
    throw new LifecycleConflictError(`Cannot ${verb} VMI ${key}: it is not running`);
  }
  const domain = domainNameOfKey(key);
  const state = await ctx.hypervisor.state(domain);
  const paused = state.state === "paused";
  if (verb === "pause" && paused) {
    throw new LifecycleConflictError(`Cannot pause VMI ${key}: it is already paused`);
  }
  if (verb === "unpause" && !paused) {
    throw new LifecycleConflictError(`Cannot unpause VMI ${key}: it is not paused`);
  }
  try {
    if (verb === "pause") await ctx.hypervisor.suspend(domain);
    else await ctx.hypervisor.resume(domain);
    recordAction(ctx, vmi, verb);
  } catch (error) {
    if (error instanceof OperationInvalidError) {
      throw new LifecycleConflictError(`Cannot ${verb} VMI ${key}: ${error.libvirtMessage}`);
    }
    throw error;
  } finally {
    ctx.enqueue(key);
  }
}
