/** The replica set controller's writes: claims, creates and deletes. The only side effects. */
import { FIELD_MANAGERS, type VMI, type VMIRS } from "../../api/mod.ts";
import type { ReconcileContext } from "../../lib/controller.ts";
import { messageOf } from "../../lib/errors.ts";
import { ApiError, isConflict, isNotFound } from "../../lib/kube/api_error.ts";
import {
  virtualMachineInstanceReplicaSets,
  virtualMachineInstances,
} from "../../lib/kube/resources.ts";
import type { RsPlan } from "./plan.ts";
import type { ScaleError } from "./status.ts";
import { controllerRefOf, replicaSetOwnerReference, vmiFor } from "./vmi_for.ts";

type Ctx = ReconcileContext<VMIRS>;

const fieldManager = FIELD_MANAGERS.controllers;
const refOf = (vmi: VMI) => ({
  namespace: vmi.metadata.namespace ?? "",
  name: vmi.metadata.name ?? "",
});

/**
 * Adopt and release as planned. Throws when a claim fails (KubeVirt then neither scales nor
 * writes status); answers "gone" when the replica set is going away (nothing more to do) and
 * "stale" when a VMI to claim is gone (the pass is planned again).
 */
export async function applyClaims(
  ctx: Ctx,
  rs: VMIRS,
  plan: RsPlan,
): Promise<"gone" | "stale" | void> {
  if (plan.adopt.length > 0) {
    // The cache may not show a deletion yet: adopt only for a live replica set (kubernetes#42639).
    const fresh = await ctx.rest.get<VMIRS>(virtualMachineInstanceReplicaSets, {
      namespace: rs.metadata.namespace ?? "",
      name: rs.metadata.name ?? "",
    }, ctx.signal);
    if (fresh.metadata.uid !== rs.metadata.uid || fresh.metadata.deletionTimestamp) {
      return "gone";
    }
  }
  const claims = [
    ...plan.adopt.map((vmi) => ({ vmi, adopt: true })),
    ...plan.release.map((vmi) => ({ vmi, adopt: false })),
  ];
  const results = await Promise.allSettled(claims.map(({ vmi, adopt }) => {
    const others = (vmi.metadata.ownerReferences ?? []).filter((r) => r !== controllerRefOf(vmi));
    const ownerReferences = adopt ? [...others, replicaSetOwnerReference(rs)] : others;
    return ctx.rest.patch(virtualMachineInstances, refOf(vmi), {
      // The resourceVersion makes this fail if anyone else claimed or changed it meanwhile.
      metadata: {
        uid: vmi.metadata.uid,
        resourceVersion: vmi.metadata.resourceVersion,
        ownerReferences: ownerReferences.length ? ownerReferences : null,
      },
    }, { type: "merge", fieldManager, signal: ctx.signal });
  }));
  let gone = false;
  results.forEach((result, i) => {
    const { vmi, adopt } = claims[i]!;
    if (result.status === "fulfilled") {
      ctx.log.info(adopt ? "Adopted a VMI" : "Released a VMI", { vmi: vmi.metadata.name });
      return;
    }
    if (isNotFound(result.reason)) gone = true;
    // A release the server finds invalid is one that no longer applies (KubeVirt ignores it).
    else if (adopt || !(result.reason instanceof ApiError && result.reason.status === 422)) {
      throw result.reason;
    }
  });
  if (gone) return "stale";
}

/** Create the planned VMIs; answers the first failure. */
export async function createVmis(ctx: Ctx, rs: VMIRS, count: number): Promise<ScaleError | void> {
  const results = await Promise.allSettled(
    Array.from({ length: count }, () =>
      ctx.rest.create<VMI>(virtualMachineInstances, vmiFor(rs), {
        fieldManager,
        signal: ctx.signal,
      })),
  );
  let failure: ScaleError | undefined;
  for (const result of results) {
    if (result.status === "fulfilled") {
      const name = result.value.metadata.name;
      ctx.log.info("Created a VMI", { vmi: name });
      await ctx.events.normal(
        rs,
        "SuccessfulCreate",
        `Started the virtual machine by creating the new virtual machine instance ${name}`,
      );
      continue;
    }
    const message = messageOf(result.reason);
    await ctx.events.warning(
      rs,
      "FailedCreate",
      `Error creating virtual machine instance: ${message}`,
    );
    failure ??= { reason: "FailedCreate", message };
  }
  return failure;
}

/**
 * Delete `vmis` (UID preconditions: never a newer VMI of the same name); answers the first
 * failure. `finished` picks KubeVirt's wording for the cleanup of ended VMIs.
 */
export async function deleteVmis(
  ctx: Ctx,
  rs: VMIRS,
  vmis: readonly VMI[],
  finished: boolean,
): Promise<ScaleError | void> {
  const results = await Promise.allSettled(
    vmis.map((vmi) =>
      ctx.rest.delete(virtualMachineInstances, refOf(vmi), {
        preconditions: { uid: vmi.metadata.uid ?? "" },
        signal: ctx.signal,
      })
    ),
  );
  let failure: ScaleError | undefined;
  for (const [i, result] of results.entries()) {
    const vmi = vmis[i]!;
    const { name, uid } = vmi.metadata;
    // Gone already, or a newer VMI holds the name: either way this one is not there.
    if (result.status === "rejected" && !isNotFound(result.reason) && !isConflict(result.reason)) {
      const message = messageOf(result.reason);
      await ctx.events.warning(
        rs,
        "FailedDelete",
        finished
          ? `Error deleting finished virtual machine ${name}: ${message}`
          : `Error deleting virtual machine instance ${name}: ${message}`,
      );
      failure ??= { reason: "FailedDelete", message };
      continue;
    }
    ctx.log.info(finished ? "Deleted an ended VMI" : "Deleted a VMI", { vmi: name });
    await ctx.events.normal(
      rs,
      "SuccessfulDelete",
      finished
        ? `Deleted finished virtual machine: ${uid}`
        : `Stopped the virtual machine by deleting the virtual machine instance ${uid}`,
    );
  }
  return failure;
}
