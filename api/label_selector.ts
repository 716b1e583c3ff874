/** Label selectors as Kubernetes reads them: what they select, and their canonical string. */
import type { LabelSelector } from "./core.ts";

/** Whether `selector` selects an object with `labels` (an empty selector selects everything). */
export function selects(
  selector: LabelSelector,
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  const set = labels ?? {};
  const has = (key: string) => Object.hasOwn(set, key);
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (!has(key) || set[key] !== value) return false;
  }
  return (selector.matchExpressions ?? []).every((e) => {
    switch (e.operator) {
      case "In":
        return has(e.key) && (e.values ?? []).includes(set[e.key]!);
      case "NotIn":
        return !has(e.key) || !(e.values ?? []).includes(set[e.key]!);
      case "Exists":
        return has(e.key);
      case "DoesNotExist":
        return !has(e.key);
    }
  });
}

/**
 * The selector as `kubectl get -l` takes it, in apimachinery's canonical form (`labels.Selector`
 * `String()`): requirements sorted by key, `k=v`, `k in (a,b)`, `k notin (a,b)`, `k`, `!k`, values
 * sorted. The scale subresource hands this string to autoscalers.
 */
export function selectorString(selector: LabelSelector): string {
  const requirements: Array<{ key: string; text: string }> = [];
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    requirements.push({ key, text: `${key}=${value}` });
  }
  for (const e of selector.matchExpressions ?? []) {
    const values = [...(e.values ?? [])].sort();
    const list = values.length === 1 ? values[0] : values.join(",");
    const text = e.operator === "In"
      ? `${e.key} in (${list})`
      : e.operator === "NotIn"
      ? `${e.key} notin (${list})`
      : e.operator === "Exists"
      ? e.key
      : `!${e.key}`;
    requirements.push({ key: e.key, text });
  }
  // Array.prototype.sort is stable: a key in both matchLabels and expressions keeps that order.
  requirements.sort((a, b) => a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
  return requirements.map((r) => r.text).join(",");
}
