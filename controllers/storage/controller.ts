/**
 * The local-storage placement controller: gives each denovirt-local claim that binds at once
 * (Immediate class, or CDI's immediate-binding request on the WaitForFirstConsumer class) a node
 * (the `volume.kubernetes.io/selected-node` annotation), whose agent then provisions it.
 * An agent that finds no room removes the annotation again, and the claim is placed anew. A
 * WaitForFirstConsumer claim hotplugged into a running VMI gets the VMI's node.
 */
import {
  type NodeObject,
  type PersistentVolumeClaim,
  SELECTED_NODE,
  type StorageClass,
  type VMI,
} from "../../api/mod.ts";
import type { Controller, ReconcileContext, ReconcileResult } from "../../lib/controller.ts";
import type { ReadonlyStore } from "../../lib/cache.ts";
import { isConflict, isNotFound } from "../../lib/kube/api_error.ts";
import { keyOf } from "../../lib/kube/object.ts";
import {
  nodes,
  persistentVolumeClaims,
  storageClasses,
  virtualMachineInstances,
} from "../../lib/kube/resources.ts";
import {
  hotplugConsumerNode,
  hotpluggedClaimsOf,
  needsPlacement,
  placeClaim,
  requestedBytes,
} from "./placement.ts";

/** How long a claim no node can take waits before it is tried again (Node changes retry too). */
const RETRY_UNPLACED_MS = 10_000;

export function localPlacementController(): Controller<PersistentVolumeClaim> {
  // The claims cache, once the first pass has it: a Node's change (an agent publishing its
  // storage) goes to every claim still waiting for a node. Every claim is queued when a term
  // starts, so changes before the first pass lose nothing.
  let claims: ReadonlyStore<PersistentVolumeClaim> | undefined;
  const waitingClaims = (): string[] =>
    (claims?.list() ?? [])
      .filter((c) => c.status?.phase === "Pending" && !c.metadata?.annotations?.[SELECTED_NODE])
      .map((c) => keyOf(c));
  return {
    name: "local-placement",
    for: persistentVolumeClaims,
    watches: [
      { resource: nodes, mapToKeys: waitingClaims },
      // A claim hotplugged into a VMI waits for it as for its first consumer.
      {
        resource: virtualMachineInstances,
        mapToKeys: (vmi) =>
          hotpluggedClaimsOf(vmi as VMI).map((claim) => `${vmi.metadata?.namespace}/${claim}`),
      },
    ],
    reconcile: (_key, ctx) => {
      claims ??= ctx.cache<PersistentVolumeClaim>(persistentVolumeClaims);
      return reconcileClaim(ctx);
    },
  };
}

async function reconcileClaim(
  ctx: ReconcileContext<PersistentVolumeClaim>,
): Promise<ReconcileResult | void> {
  const claim = ctx.object;
  if (!claim) return;
  const className = claim.spec?.storageClassName;
  const storageClass = className
    ? ctx.cache<StorageClass>(storageClasses).get(className)
    : undefined;
  const vmis = ctx.cache<VMI>(virtualMachineInstances).list();
  const consumerNode = hotplugConsumerNode(claim, storageClass, vmis);
  if (consumerNode) return await selectNode(ctx, claim, consumerNode, "hotplugged into a VMI");
  if (!needsPlacement(claim, storageClass)) return;
  const request = requestedBytes(claim);
  if (request === undefined) {
    await ctx.events.warning(
      claim,
      "ProvisioningFailed",
      "spec.resources.requests.storage: a denovirt-local claim needs a size",
    );
    return;
  }
  const placement = placeClaim(request, ctx.cache<NodeObject>(nodes).list());
  if ("none" in placement) {
    ctx.log.info("No node for the claim yet", { why: placement.none });
    await ctx.events.warning(claim, "WaitingForNode", placement.none);
    return { requeueAfterMs: RETRY_UNPLACED_MS };
  }
  await selectNode(ctx, claim, placement.node, `${request} bytes`);
}

/** Give the claim its node (a merge patch guarded by its resourceVersion). */
async function selectNode(
  ctx: ReconcileContext<PersistentVolumeClaim>,
  claim: PersistentVolumeClaim,
  node: string,
  why: string,
): Promise<void> {
  try {
    await ctx.rest.patch(
      persistentVolumeClaims,
      { namespace: claim.metadata?.namespace ?? "", name: claim.metadata?.name ?? "" },
      {
        metadata: {
          resourceVersion: claim.metadata?.resourceVersion,
          annotations: { [SELECTED_NODE]: node },
        },
      },
      { type: "merge", signal: ctx.signal },
    );
  } catch (error) {
    if (isNotFound(error) || isConflict(error)) return; // gone, or changed: the cache will say
    throw error;
  }
  ctx.log.info("Placed claim", { node, why });
}
