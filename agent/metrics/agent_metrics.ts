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
  registry.collect(() => [versionInfoFamily(denoJson.version)]);
  registry.collect(async () => {
    const records = await opts.hypervisor.allDomainStats();
    return domainMetricFamilies(records, (domain) => {
      const key = keyOfDomainName(domain);
      const vmi = key === undefined ? undefined : opts.vmiOf(key);
      return vmi?.status?.nodeName === opts.node ? vmi : undefined;
    }, opts.node);
  });
  return registry;
}
