import assert from "node:assert/strict";
import type { VMI } from "../../api/mod.ts";
import type { DomainStatsRecord } from "../libvirt/types.ts";
import { agentMetrics } from "./agent_metrics.ts";

const vmi = (name: string, node: string) =>
  ({
    metadata: { namespace: "ns", name },
    spec: { domain: { devices: {} } },
    status: { nodeName: node },
  }) as unknown as VMI;

Deno.test("agentMetrics() reads libvirt once per scrape and reports only this node's VMIs", async () => {
  let calls = 0;
  const records: DomainStatsRecord[] = ["a", "b", "c"].map((n) => ({
    name: `ns_${n}`,
    fields: { "cpu.time": 1e9 },
  }));
  const vmis: Record<string, VMI> = { "ns/a": vmi("a", "here"), "ns/b": vmi("b", "elsewhere") };
  const registry = agentMetrics({
    node: "here",
    hypervisor: {
      allDomainStats: () => {
        calls++;
        return Promise.resolve(records);
      },
    },
    vmiOf: (key) => vmis[key],
  });
  const first = await registry.render();
  assert.equal(calls, 1);
  assert.match(
    first,
    /^kubevirt_vmi_cpu_usage_seconds_total\{node="here",namespace="ns",name="a"\} 1$/m,
  );
  assert.doesNotMatch(first, /name="b"|name="c"/);
  assert.match(first, /^kubevirt_info\{goversion="deno[^"]+",kubeversion="v[^"]+"\} 1$/m);
  const second = await registry.render();
  assert.equal(calls, 2);
  // A scrape counts its own call.
  assert.match(first, /^denovirt_agent_domain_stats_calls_total 1$/m);
  assert.match(second, /^denovirt_agent_domain_stats_calls_total 2$/m);
  assert.match(second, /^denovirt_agent_metrics_collect_seconds \d/m);
});
