/** Kubernetes-style conditions: set one by type, keeping its transition time while it holds. */
import type { Condition } from "../../api/mod.ts";

/** `conditions` with `condition` in place of any of its type; lastTransitionTime moves only on change. */
export function setCondition(
  conditions: Condition[] | undefined,
  condition: { type: string; status: Condition["status"]; reason?: string; message?: string },
  now: string,
): Condition[] {
  const list = conditions ?? [];
  const old = list.find((c) => c.type === condition.type);
  const lastTransitionTime = old && old.status === condition.status && old.lastTransitionTime
    ? old.lastTransitionTime
    : now;
  const next: Condition = { ...condition, lastTransitionTime };
  if (!old) return [...list, next];
  return list.map((c) => (c === old ? next : c));
}

/** `conditions` without any of `type`. */
export function removeCondition(conditions: Condition[] | undefined, type: string): Condition[] {
  return (conditions ?? []).filter((c) => c.type !== type);
}

/** The condition of `type`, if present. */
export function conditionOf(
  conditions: Condition[] | undefined,
  type: string,
): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/** JSON with sorted keys, so that two equal values compare equal as text. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) => {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return v;
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>)
        .filter(([, x]) => x !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    );
  });
}
