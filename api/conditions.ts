/** Status conditions as KubeVirt keeps them: one per type, rewritten only when they change. */
import type { Condition } from "./meta.ts";

/** The condition of `type`, if any. */
export function conditionOf(
  conditions: readonly Condition[] | undefined,
  type: string,
): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/** Whether a condition of `type` has `status` (and `reason`, when given). */
export function hasCondition(
  conditions: readonly Condition[] | undefined,
  type: string,
  status: Condition["status"],
  reason?: string,
): boolean {
  const c = conditionOf(conditions, type);
  return c?.status === status && (reason === undefined || c.reason === reason);
}

/**
 * `conditions` with `next` in place of its type. An unchanged condition (same status, reason and
 * message) keeps its timestamps, so that status writes happen only on real changes.
 */
export function withCondition(
  conditions: readonly Condition[] | undefined,
  next: Condition,
  now: string,
): Condition[] {
  const list = [...(conditions ?? [])];
  const at = list.findIndex((c) => c.type === next.type);
  const old = at >= 0 ? list[at] : undefined;
  if (
    old && old.status === next.status && (old.reason ?? "") === (next.reason ?? "") &&
    (old.message ?? "") === (next.message ?? "")
  ) {
    return list;
  }
  const stamped: Condition = {
    ...next,
    lastTransitionTime: next.lastTransitionTime ??
      (old && old.status === next.status ? old.lastTransitionTime ?? now : now),
  };
  if (at >= 0) list[at] = stamped;
  else list.push(stamped);
  return list;
}

/** `conditions` without the condition of `type`. */
export function withoutCondition(
  conditions: readonly Condition[] | undefined,
  type: string,
): Condition[] {
  return (conditions ?? []).filter((c) => c.type !== type);
}

/** Kubernetes' timestamp format (whole seconds). */
export function timestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}
