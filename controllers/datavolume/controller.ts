/**
 * The DataVolume controller (CDI's): makes each DataVolume's PVC, annotated for the node agent
 * that fills it, and reports the import from the agent's PVC annotations in the DataVolume's
 * status. Deleting a DataVolume leaves its PVC to the garbage collector (owner reference).
 */
import type { DV, PersistentVolume, PersistentVolumeClaim, StorageClass } from "../../api/mod.ts";
import type { Controller, ReconcileContext, ReconcileResult } from "../../lib/controller.ts";
import { messageOf } from "../../lib/errors.ts";
import { isAlreadyExists, isNotFound } from "../../lib/kube/api_error.ts";
import { keyFor, keyOf } from "../../lib/kube/object.ts";
import {
  dataVolumes,
  persistentVolumeClaims,
  persistentVolumes,
  storageClasses,
} from "../../lib/kube/resources.ts";
import { patchOwnedStatus } from "../writes.ts";
import { type CloneSource, cloneSourceOf } from "./claim_for.ts";
import { type DvObserved, planDataVolume } from "./plan.ts";

type Ctx = ReconcileContext<DV>;

/** A read that answers undefined for a missing object. */
async function getOrUndefined<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

function storageClassOf(ctx: Ctx, claim: PersistentVolumeClaim | undefined) {
  const name = claim?.spec?.storageClassName;
  return name ? ctx.cache<StorageClass>(storageClasses).get(name) : undefined;
}

/**
 * The clone's source claim and its volume. The claim cache may be behind, or hold one namespace
 * only, so a claim it does not have is read; the volume is read, not cached (needed once).
 */
async function cloneSource(ctx: Ctx, dv: DV): Promise<CloneSource | undefined> {
  const ref = cloneSourceOf(dv);
  if (!ref) return undefined;
  const claim = ctx.cache<PersistentVolumeClaim>(persistentVolumeClaims)
    .get(keyFor(ref.namespace, ref.name)) ??
    await getOrUndefined(() =>
      ctx.rest.get<PersistentVolumeClaim>(persistentVolumeClaims, ref, ctx.signal)
    );
  const volumeName = claim?.status?.phase === "Bound" ? claim.spec?.volumeName : undefined;
  const volume = volumeName
    ? await getOrUndefined(() =>
      ctx.rest.get<PersistentVolume>(persistentVolumes, { name: volumeName }, ctx.signal)
    )
    : undefined;
  return { claim, volume };
}

async function reconcileDataVolume(ctx: Ctx): Promise<ReconcileResult | void> {
  const dv = ctx.object;
  // A deleted DataVolume's claim goes with it (garbage collector): nothing to do.
  if (!dv || dv.metadata.deletionTimestamp) return;
  const now = Date.now();
  const claim = ctx.cache<PersistentVolumeClaim>(persistentVolumeClaims).get(ctx.key);
  let observed: DvObserved = { dv, claim, storageClass: storageClassOf(ctx, claim) };
  if (!claim && dv.spec.source?.pvc) observed.clone = await cloneSource(ctx, dv);
  let plan = planDataVolume(observed, now);
  let createError: unknown;
  if (plan.createClaim) {
    try {
      const created = await ctx.rest.create(persistentVolumeClaims, plan.createClaim, {
        signal: ctx.signal,
      });
      ctx.log.info("Created the DataVolume's PVC");
      observed = { ...observed, claim: created, storageClass: storageClassOf(ctx, created) };
    } catch (error) {
      // The cache is behind our own create, or the name was just taken: the watch tells which.
      if (isAlreadyExists(error)) return;
      createError = error;
      observed = {
        ...observed,
        claimCreateError: `Cannot create PVC ${ctx.key}: ${messageOf(error)}`,
      };
    }
    plan = planDataVolume(observed, now);
  }
  const status = plan.status as Record<string, unknown>;
  await patchOwnedStatus(ctx.rest, dataVolumes, dv, dv, status, undefined, ctx.signal);
  for (const e of plan.events) await ctx.events.record(dv, e.type, e.reason, e.message);
  if (createError) throw createError;
  if (plan.requeueAfterMs !== undefined) return { requeueAfterMs: plan.requeueAfterMs };
}

/** The DataVolume controller. */
export function dataVolumeController(): Controller<DV> {
  return {
    name: "datavolume",
    for: dataVolumes,
    // Its own claims by owner reference; a claim of its name that someone else made, by name.
    owns: [persistentVolumeClaims],
    watches: [{ resource: persistentVolumeClaims, mapToKeys: (claim) => [keyOf(claim)] }],
    concurrency: 4,
    async reconcile(_key, ctx): Promise<ReconcileResult | void> {
      try {
        return await reconcileDataVolume(ctx);
      } catch (error) {
        if (ctx.signal.aborted) return; // Stopping or no longer leading: the next leader redoes it.
        throw error;
      }
    },
  };
}
