/**
 * Admission latency as kube-apiserver measures it: dry-run VM creates sent through the API server
 * at a fixed rate, open loop, with the webhook configurations registered; kube-apiserver's own
 * histogram `apiserver_admission_webhook_admission_duration_seconds` is read from its /metrics
 * before and after, and the webhooks' log gives their own handling time for the same requests.
 */
import type { KubeObject } from "../lib/kube/object.ts";
import type { RestClient } from "../lib/kube/rest.ts";
import { namespaces, virtualMachines } from "../lib/kube/resources.ts";
import { roleLog } from "../stack/layout.ts";
import type { RunningStack } from "../stack/up.ts";
import { openLoop, type OpenLoopResult } from "./open_loop.ts";
import {
  addHistograms,
  type HistogramSeries,
  parseHistogram,
  subtractHistograms,
} from "./prom_histogram.ts";

/** kube-apiserver's per-webhook latency histogram (buckets from 5 ms up: k8s.io/apiserver). */
export const WEBHOOK_HISTOGRAM = "apiserver_admission_webhook_admission_duration_seconds";

export interface ApiServerAdmissionOptions {
  rate: number;
  seconds: number;
  /** Creates before the measured run, not counted (connections, JIT, caches). */
  warmupSeconds: number;
  vm: KubeObject;
}

/** What one run measured. */
export interface ApiServerAdmissionRun {
  /** The bench's own view of each dry-run create (send → answer). */
  creates: OpenLoopResult;
  /** kube-apiserver's histogram over the run, one series per webhook name and type (CREATEs). */
  webhooks: HistogramSeries[];
  /** The webhooks' own time per review (their log), by `<resource>/<endpoint>`. */
  serverMs: Record<string, number[]>;
}

/** Runs the creates in a namespace of its own and reads the figures around the measured part. */
export async function admissionThroughApiServer(
  rest: RestClient,
  stack: RunningStack,
  opts: ApiServerAdmissionOptions,
): Promise<ApiServerAdmissionRun> {
  const namespace = `bench-apiadm-${crypto.randomUUID().slice(0, 6)}`;
  await rest.create(namespaces, { metadata: { name: namespace } });
  try {
    // The warm-up's VM has another name, so the webhooks' log tells its reviews apart.
    const named = (name: string) => ({ ...opts.vm, metadata: { ...opts.vm.metadata, name } });
    const load = (vm: KubeObject, seconds: number) =>
      openLoop(opts.rate, seconds, async () => {
        await rest.create(virtualMachines, vm, { namespace, dryRun: true });
      });
    await load(named("bench-apiadm-warmup"), opts.warmupSeconds);
    const before = await webhookHistogram(rest);
    const creates = await load(named("bench-apiadm"), opts.seconds);
    const after = await webhookHistogram(rest);
    const log = await Deno.readTextFile(await roleLog(stack.paths, "webhooks")).catch(() => "");
    return {
      creates,
      webhooks: byWebhook(subtractHistograms(after, before)),
      serverMs: serverMsByEndpoint(log, namespace, "bench-apiadm"),
    };
  } finally {
    await rest.delete(namespaces, { name: namespace }).catch(() => {});
  }
}

/** The webhook histogram's series from kube-apiserver's /metrics (the admin may read it). */
async function webhookHistogram(rest: RestClient): Promise<HistogramSeries[]> {
  const { text } = await rest.call("GET", "/metrics", { what: "read the API server's metrics" });
  return parseHistogram(text, WEBHOOK_HISTOGRAM);
}

/**
 * CREATE series with observations, merged over `rejected` into one series per webhook name and
 * type (other operations come from the stack's own traffic, such as VMI status updates).
 */
export function byWebhook(series: HistogramSeries[]): HistogramSeries[] {
  const groups = new Map<string, HistogramSeries[]>();
  for (const s of series) {
    if (s.labels.operation !== "CREATE" || s.count <= 0) continue;
    const key = `${s.labels.name}\n${s.labels.type}`;
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  return [...groups.entries()]
    .map(([key, group]) => {
      const [name = "", type = ""] = key.split("\n");
      return addHistograms(group, { name, type });
    })
    .sort((a, b) => a.labels.name!.localeCompare(b.labels.name!));
}

/**
 * The webhooks' own time per review of objects called `name` in `namespace`, from their log
 * lines, by `<resource>/<endpoint>` (e.g. `virtualmachines/mutate`).
 */
export function serverMsByEndpoint(
  logText: string,
  namespace: string,
  name: string,
): Record<string, number[]> {
  const ms: Record<string, number[]> = {};
  for (const line of logText.split("\n")) {
    if (!line.includes(`"namespace":"${namespace}"`)) continue;
    try {
      const entry = JSON.parse(line) as {
        msg?: string;
        name?: string;
        resource?: string;
        endpoint?: string;
        ms?: number;
      };
      if (entry.msg !== "Admission" || entry.name !== name || entry.ms === undefined) continue;
      (ms[`${entry.resource}/${entry.endpoint}`] ??= []).push(entry.ms);
    } catch {
      // Not a log line of ours.
    }
  }
  return ms;
}
