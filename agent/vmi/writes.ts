/**
 * The agent's writes of a VMI: finalizers and the status fields it owns (api/ownership.ts),
 * each guarded by the resourceVersion read and only on VMIs bound to this node.
 */
import {
  FIELD_MANAGERS,
  ownedVmiStatusFields,
  type VirtualMachineInstanceStatus,
  type VMI,
} from "../../api/mod.ts";
import { dropManagedFields } from "../../lib/cache.ts";
import type { RestClient } from "../../lib/kube/rest.ts";
import { virtualMachineInstances } from "../../lib/kube/resources.ts";
import type { Logger } from "../../lib/log.ts";
import { mergePatchOf } from "../../lib/merge_patch.ts";
import type { PassMemory } from "./memory.ts";

/** What the writes need of the apply context. */
export interface WriteContext {
  rest: RestClient;
  memory: PassMemory;
  log: Logger;
}

/** A VMI write refused because the VMI is not bound to this node. */
export class NotOurVmiError extends Error {
  override name = "NotOurVmiError";
}

/** The VMI, checked to be bound to this node: the agent writes no other. */
export function boundHere(vmi: VMI | undefined, node: string): VMI {
  if (!vmi) throw new Error("Cannot act on a VMI that is gone");
  const bound = vmi.status?.nodeName;
  if (bound !== node) {
    throw new NotOurVmiError(
      `Cannot change VMI ${vmi.metadata.namespace}/${vmi.metadata.name}: it is bound to ` +
        `${bound ? `node ${bound}` : "no node"}, not to ${node}`,
    );
  }
  return vmi;
}

export async function patchFinalizers(
  vmi: VMI,
  finalizers: string[],
  ctx: WriteContext,
): Promise<VMI> {
  const { namespace, name, resourceVersion } = vmi.metadata;
  // The resourceVersion makes the patch fail if the VMI changed since it was checked.
  const updated = await ctx.rest.patch<VMI>(
    virtualMachineInstances,
    { namespace: namespace!, name: name! },
    { metadata: { resourceVersion, finalizers } },
    { type: "merge", fieldManager: FIELD_MANAGERS.agent },
  );
  return remember(vmi, updated, ctx);
}

/** Patches the status fields the agent owns (api/ownership.ts), guarded by the version read. */
export async function writeStatus(
  vmi: VMI,
  status: VirtualMachineInstanceStatus,
  ctx: WriteContext,
): Promise<VMI> {
  const owned = ownedVmiStatusFields("agent", vmi.status);
  const patch = mergePatchOf(vmi.status, status as Record<string, unknown>, owned);
  if (!patch) return vmi;
  const { namespace, name, resourceVersion } = vmi.metadata;
  const updated = await ctx.rest.patch<VMI>(
    virtualMachineInstances,
    { namespace: namespace!, name: name! },
    { metadata: { resourceVersion }, status: patch },
    { type: "merge", subresource: "status", fieldManager: FIELD_MANAGERS.agent },
  );
  ctx.log.info("VMI status written", {
    vmi: `${vmi.metadata.namespace}/${vmi.metadata.name}`,
    phase: status.phase,
  });
  return remember(vmi, updated, ctx);
}

/** Keeps what was written, so that the next pass does not act on the older cached copy. */
function remember(
  before: VMI,
  after: VMI,
  ctx: WriteContext,
): VMI {
  const object = dropManagedFields(after);
  const key = `${before.metadata.namespace}/${before.metadata.name}`;
  const replaced = ctx.memory.written.get(key)?.replaced ?? before.metadata.resourceVersion ?? "";
  ctx.memory.written.set(key, { replaced, object });
  return object;
}
