/** What the VMI and migration controllers share about the launcher pods they own. */
import type { Pod } from "../api/mod.ts";
import type { EventRecorder } from "../lib/events.ts";
import { isConflict, isNotFound } from "../lib/kube/api_error.ts";
import type { KubeObject } from "../lib/kube/object.ts";
import type { RestClient } from "../lib/kube/rest.ts";
import { pods } from "../lib/kube/resources.ts";

/** Whether `obj`'s controller reference names the object with `uid`. */
export function isControlledByUid(obj: KubeObject, uid: string): boolean {
  return (obj.metadata?.ownerReferences ?? []).some((r) => r.controller === true && r.uid === uid);
}

/**
 * Delete `pod` at once (grace 0: no guest runs in it by then) and record it on `owner`; a pod
 * already gone or replaced is not an error.
 */
export async function deletePodAtOnce(
  ctx: { rest: RestClient; events: EventRecorder; signal: AbortSignal },
  owner: KubeObject,
  pod: Pod,
): Promise<void> {
  const name = pod.metadata?.name ?? "";
  try {
    await ctx.rest.delete(pods, { namespace: pod.metadata?.namespace ?? "", name }, {
      gracePeriodSeconds: 0,
      preconditions: { uid: pod.metadata?.uid ?? "" },
      signal: ctx.signal,
    });
    await ctx.events.normal(owner, "SuccessfulDelete", `Deleted virtual machine pod ${name}`);
  } catch (error) {
    if (!isNotFound(error) && !isConflict(error)) throw error;
  }
}
