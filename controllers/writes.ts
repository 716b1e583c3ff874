/** The writes controllers share: finalizers and owned status fields, guarded by resourceVersions. */
import { isDeepStrictEqual } from "node:util";
import { FIELD_MANAGERS } from "../api/mod.ts";
import type { KubeObject } from "../lib/kube/object.ts";
import { mergePatchOf } from "../lib/merge_patch.ts";
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
  return patchMetadataFields<T>(rest, resource, obj, { finalizers }, signal);
}

/**
 * Merge-patch the finalizers and/or labels given (labels merge key by key, null removes one),
 * guarded by `obj`'s resourceVersion.
 */
export function patchMetadataFields<T extends KubeObject>(
  rest: RestClient,
  resource: Resource,
  obj: KubeObject,
  fields: { finalizers?: string[]; labels?: Record<string, string | null> },
  signal?: AbortSignal,
): Promise<T> {
  const { namespace, name, resourceVersion } = obj.metadata ?? {};
  const metadata = {
    resourceVersion,
    ...(fields.finalizers ? { finalizers: fields.finalizers } : {}),
    ...(fields.labels ? { labels: fields.labels } : {}),
  };
  return rest.patch<T>(
    resource,
    { ...(namespace ? { namespace } : {}), name: name ?? "" },
    { metadata },
    { type: "merge", fieldManager: FIELD_MANAGERS.controllers, ...(signal ? { signal } : {}) },
  );
}

/**
 * Merge-patch status `fields` of `obj` as they are given (null removes one), guarded by `obj`'s
 * resourceVersion: for fields the controllers set on another role's object without diffing it.
 */
export function patchStatusFields<T extends KubeObject>(
  rest: RestClient,
  resource: Resource,
  obj: KubeObject,
  fields: Record<string, unknown>,
  signal?: AbortSignal,
): Promise<T> {
  const { namespace, name, resourceVersion } = obj.metadata ?? {};
  return rest.patch<T>(
    resource,
    { ...(namespace ? { namespace } : {}), name: name ?? "" },
    { metadata: { resourceVersion }, status: fields },
    {
      type: "merge",
      subresource: "status",
      fieldManager: FIELD_MANAGERS.controllers,
      ...(signal ? { signal } : {}),
    },
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

/** What a status write did: wrote (the object after it), had nothing to write, or found it stale. */
export type StatusWrite<T> = { written: T } | "unchanged" | "stale";

/**
 * Patches the status `fields` (all of them when not given) from `base.status` to `status`,
 * where `base` is what the status was decided on and `latest` is `base` after this pass's own
 * metadata writes. "stale" when one of those fields changed between the two (someone else's
 * write): the caller plans again on the newer object. The patch carries `latest`'s
 * resourceVersion, so a change after it is a 409 and a retry.
 */
export async function patchOwnedStatus<T extends WithStatus>(
  rest: RestClient,
  resource: Resource,
  base: T,
  latest: T,
  status: Record<string, unknown>,
  fields?: readonly string[],
  signal?: AbortSignal,
): Promise<StatusWrite<T>> {
  const before = (base.status ?? {}) as Record<string, unknown>;
  const owned = fields ?? [...new Set([...Object.keys(before), ...Object.keys(status)])];
  const patch = mergePatchOf(before, status, owned);
  if (!patch) return "unchanged";
  const now = (latest.status ?? {}) as Record<string, unknown>;
  if (latest !== base && owned.some((f) => !isDeepStrictEqual(before[f], now[f]))) return "stale";
  const written = await patchStatusFields<T>(rest, resource, latest, patch, signal);
  return { written };
}

/** Same JSON value, whatever the key order. */
export const sameJson = (a: unknown, b: unknown): boolean => isDeepStrictEqual(a, b);
