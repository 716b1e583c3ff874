/**
 * `virtctl soft-reboot`: as virt-handler, through the guest agent when the VMI has the
 * AgentConnected condition, else the ACPI power button; the domain stays, the guest reboots.
 */
import { AGENT_CONNECTED_CONDITION } from "../../api/mod.ts";
import { OperationInvalidError } from "../libvirt/mod.ts";
import { domainNameOfKey } from "./keys.ts";
import {
  LifecycleConflictError,
  type LifecycleContext,
  LifecycleNotFoundError,
  recordAction,
} from "./lifecycle.ts";

/** Asks the guest of a Running VMI of this node to reboot. */
export async function softRebootVmi(
  ctx: LifecycleContext,
  namespace: string,
  name: string,
): Promise<void> {
  const key = `${namespace}/${name}`;
  const vmi = ctx.vmis.get(key);
  if (!vmi || vmi.status?.nodeName !== ctx.node) {
    throw new LifecycleNotFoundError(
      `Cannot soft-reboot VMI ${key}: it does not run on node ${ctx.node}`,
    );
  }
  if (vmi.status?.phase !== "Running" || vmi.metadata.deletionTimestamp) {
    throw new LifecycleConflictError(`Cannot soft-reboot VMI ${key}: it is not running`);
  }
  const conditions = vmi.status?.conditions ?? [];
  if (conditions.some((c) => c.type === "Paused" && c.status === "True")) {
    throw new LifecycleConflictError(`Cannot soft-reboot VMI ${key}: it is paused`);
  }
  const guestAgent = conditions.some((c) => c.type === AGENT_CONNECTED_CONDITION);
  try {
    await ctx.hypervisor.reboot(domainNameOfKey(key), { guestAgent });
    recordAction(ctx, vmi, "softReboot");
  } catch (error) {
    if (error instanceof OperationInvalidError) {
      throw new LifecycleConflictError(`Cannot soft-reboot VMI ${key}: ${error.libvirtMessage}`);
    }
    throw error;
  }
}
