/** The writes controllers share: finalizers and status, each guarded by the resourceVersion read. */
import { isDeepStrictEqual } from "node:util";
import { ApiError } from "../lib/kube/api_error.ts";
import type { KubeObject } from "../lib/kube/object.ts";
import type { RestClient } from "../lib/kube/rest.ts";
import type { Resource } from "../lib/kube/resources.ts";

type WithStatus = KubeObject & { status?: unknown };

/** Set the finalizers of `obj` (a merge patch that fails with 409 if `obj` is stale). */
export function patchFinalizers<T extends KubeObject>(
  rest: RestClient,
  resource: Resource,
  obj: KubeObject,
  finalizers: string[],
  signal?: AbortSignal,
): Promise<T> {
  const { namespace, name, resourceVersion } = obj.metadata ?? {};
  return rest.patch<T>(
    resource,
    { ...(namespace ? { namespace } : {}), name: name ?? "" },
    { metadata: { resourceVersion, finalizers } },
    { type: "merge", ...(signal ? { signal } : {}) },
  );
}

/** `finalizers` with `name` added (once) or removed. */
export function editFinalizers(
  finalizers: readonly string[] | undefined,
  add: string[],
  remove: string[] = [],
): string[] {
  const out = (finalizers ?? []).filter((f) => !remove.includes(f));
  for (const f of add) if (!out.includes(f)) out.push(f);
  return out;
}

/**
 * Thrown when the object changed under us: the watch brings the new version and a new pass. A
 * 409 Conflict, so that the Manager retries it quietly like any lost optimistic-concurrency race.
 */
export class StaleObjectError extends ApiError {
  override name = "StaleObjectError";
  constructor(message: string) {
    super(message, 409, "Conflict");
  }
}

/**
 * Write `status` over `latest` when it differs from `base.status`, where `base` is what the
 * status was computed from and `latest` is `base` after this pass's own metadata writes. Refuses
 * (StaleObjectError) when someone else changed the status in between.
 */
export async function writeStatusIfChanged<T extends WithStatus>(
  rest: RestClient,
  resource: Resource,
  base: T,
  latest: T,
  status: unknown,
  signal?: AbortSignal,
): Promise<T | undefined> {
  if (isDeepStrictEqual(status, base.status ?? {})) return undefined;
  if (latest !== base && !isDeepStrictEqual(latest.status, base.status)) {
    throw new StaleObjectError("The status changed while it was being computed");
  }
  return await rest.updateStatus<T>(resource, { ...latest, status }, signal ? { signal } : {});
}

/** Same JSON value, whatever the key order. */
export const sameJson = (a: unknown, b: unknown): boolean => isDeepStrictEqual(a, b);
