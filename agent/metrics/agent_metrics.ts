/** The agent's `/metrics`: per-VMI counters from one libvirt call per scrape, and the version. */
import denoJson from "../../deno.json" with { type: "json" };
import type { VMI } from "../../api/mod.ts";
import { Registry } from "../../lib/metrics/registry.ts";
import { versionInfoFamily } from "../../lib/metrics/version_info.ts";
import type { Hypervisor } from "../libvirt/types.ts";
import { keyOfDomainName } from "../vmi/keys.ts";
import { domainMetricFamilies } from "./domain_metrics.ts";

export interface AgentMetricsOptions {
  node: string;
  hypervisor: Pick<Hypervisor, "allDomainStats">;
  /** The VMI of a key (`namespace/name`) bound to this node, from the agent's cache. */
  vmiOf: (key: string) => VMI | undefined;
}

/** A Registry whose scrape reads every running domain's statistics in a single libvirt call. */
export function agentMetrics(opts: AgentMetricsOptions): Registry {
  const registry = new Registry();
  // What a scrape costs, so that it can be checked from outside: libvirt calls and agent time.
  const calls = registry.counter(
    "denovirt_agent_domain_stats_calls_total",
    "Calls of virConnectGetAllDomainStats made for /metrics (one per scrape, whatever the VMs).",
  );
  const took = registry.gauge(
    "denovirt_agent_metrics_collect_seconds",
    "Time the previous scrape of the per-VMI metrics took in the agent, libvirt call included.",
  );
  registry.collect(() => [versionInfoFamily(denoJson.version)]);
  registry.collect(async () => {
    const started = performance.now();
    calls.inc();
    const records = await opts.hypervisor.allDomainStats();
    const families = domainMetricFamilies(records, (domain) => {
      const key = keyOfDomainName(domain);
      const vmi = key === undefined ? undefined : opts.vmiOf(key);
      return vmi?.status?.nodeName === opts.node ? vmi : undefined;
    }, opts.node);
    took.set({}, (performance.now() - started) / 1000);
    return families;
  });
  return registry;
}
