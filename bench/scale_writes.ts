/**
 * What the scale part cost the API server: its writes per VM by resource and verb (from
 * kube-apiserver's `apiserver_request_total`, after minus before), the webhook calls it made (from
 * its admission histogram's counts) and the CPU seconds of the control plane's processes over the
 * same span.
 */
import type { RestClient } from "../lib/kube/rest.ts";
import type { StackPaths } from "../stack/paths.ts";
import { processUse } from "./scale.ts";
import { ALL_IN_ONE } from "../stack/layout.ts";

const WRITE_VERBS = new Set(["POST", "CREATE", "PATCH", "PUT", "UPDATE", "DELETE", "APPLY"]);
/** The roles read 0 in the layout they do not run in (`denovirt`: all roles in one process). */
const PROCESSES = [
  "kube-apiserver",
  "etcd",
  "kube-scheduler",
  ALL_IN_ONE,
  "webhooks",
  "controllers",
];

/** Write counts by `resource[/subresource] VERB`, webhook calls, and CPU seconds by process. */
export interface ApiUse {
  writes: Map<string, number>;
  /** By `webhook OPERATION`. */
  webhookCalls: Map<string, number>;
  cpuSeconds: Map<string, number>;
}

const labelsOf = (line: string) =>
  Object.fromEntries([...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));

/** Webhook calls of one `/metrics` text by `name OPERATION`, summed over types and outcomes. */
export function webhookCallsOf(metrics: string): Map<string, number> {
  const out = new Map<string, number>();
  const prefix = "apiserver_admission_webhook_admission_duration_seconds_count{";
  for (const line of metrics.split("\n")) {
    if (!line.startsWith(prefix)) continue;
    const labels = labelsOf(line);
    const key = `${labels.name} ${labels.operation}`;
    out.set(key, (out.get(key) ?? 0) + Number(line.slice(line.lastIndexOf(" ") + 1)));
  }
  return out;
}

/** Write counts of one `/metrics` text, summed over codes, groups and scopes. */
export function writesOf(metrics: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of metrics.split("\n")) {
    if (!line.startsWith("apiserver_request_total{")) continue;
    const labels = labelsOf(line);
    if (!WRITE_VERBS.has(labels.verb ?? "")) continue;
    const resource = labels.subresource
      ? `${labels.resource}/${labels.subresource}`
      : labels.resource ?? "";
    const key = `${resource} ${labels.verb}`;
    const value = Number(line.slice(line.lastIndexOf(" ") + 1));
    out.set(key, (out.get(key) ?? 0) + value);
  }
  return out;
}

/** The API server's write counts and the control plane's CPU time now. */
export async function apiUse(rest: RestClient, paths: StackPaths): Promise<ApiUse> {
  const { text } = await rest.call("GET", "/metrics");
  const cpuSeconds = new Map<string, number>();
  for (const name of PROCESSES) cpuSeconds.set(name, (await processUse(paths, name)).cpuSeconds);
  return { writes: writesOf(text), webhookCalls: webhookCallsOf(text), cpuSeconds };
}

/** Lines that report `after - before` per VM: writes by kind, then CPU ms by process. */
export function apiUseLines(before: ApiUse, after: ApiUse, vms: number): string[] {
  const perVm = (n: number) => (n / vms).toFixed(2);
  const lines: string[] = [];
  const counts = (what: string, afterMap: Map<string, number>, beforeMap: Map<string, number>) => {
    const grown = [...afterMap]
      .map(([key, n]) => [key, n - (beforeMap.get(key) ?? 0)] as const)
      .filter(([, n]) => n > 0)
      .sort((a, b) => b[1] - a[1]);
    const total = grown.reduce((sum, [, n]) => sum + n, 0);
    lines.push(`${what} per VM: ${perVm(total)} in all`);
    for (const [key, n] of grown) lines.push(`  ${perVm(n).padStart(6)}  ${key}`);
  };
  counts("writes", after.writes, before.writes);
  counts("webhook calls", after.webhookCalls, before.webhookCalls);
  const cpu = [...after.cpuSeconds].map(([name, s]) =>
    `${name} ${((s - (before.cpuSeconds.get(name) ?? 0)) * 1000 / vms).toFixed(1)}`
  );
  lines.push(`CPU ms per VM: ${cpu.join(", ")}`);
  return lines;
}
