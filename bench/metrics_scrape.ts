/**
 * What one scrape of the agent's `/metrics` costs with N VMs running: wall time of the HTTPS
 * request, the agent's own time for the per-VMI metrics (its `denovirt_agent_metrics_collect_
 * seconds`), the agent process's CPU time per scrape (from /proc over all scrapes), and libvirt
 * calls per scrape (its `denovirt_agent_domain_stats_calls_total`). Brings up a stack of its
 * own and always tears it down; run it under the machine-wide lock:
 *   flock /tmp/denovirt-suite.lock deno run -A bench/metrics_scrape.ts --vms=40 --out=/tmp/x
 * (`--scrapes=20` measured scrapes after one warm-up, `--settle=30` seconds after the guests
 * booted before the first).
 */
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { openLibvirt } from "../agent/libvirt/mod.ts";
import { loadKubeConfig } from "../lib/kube/config.ts";
import { RestClient } from "../lib/kube/rest.ts";
import { ensureGuestFixture } from "../stack/fixture/mod.ts";
import { pkiFiles } from "../stack/pki.ts";
import { ownNodePlacement } from "../stack/roles.ts";
import type { RunningStack } from "../stack/up.ts";
import { agentProcess } from "./idle.ts";
import { onOwnStack } from "./own_stack.ts";
import { cpuSeconds } from "./proc.ts";
import { startThroughApi } from "./start_latency.ts";
import { quantile, round } from "./stats.ts";

const began = performance.now();
const say = (line: string) =>
  console.log(`[metrics +${((performance.now() - began) / 1000).toFixed(0)}s] ${line}`);

/** The figures of one run. */
export interface ScrapeFigures {
  vms: number;
  vmsInScrape: number;
  scrapes: number;
  series: number;
  bytes: number;
  libvirtCallsPerScrape: number;
  wallMs: { p50: number; p95: number };
  agentCollectMs: { p50: number; p95: number };
  agentCpuMsPerScrape: number;
  agentProcess: string;
  loadavg: number[];
}

/** One value of a sample line `name{...} value` or `name value`. */
function valueOf(text: string, name: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line ? Number(line.slice(line.lastIndexOf(" ") + 1)) : NaN;
}

/** Scrapes `url` `scrapes` times after one warm-up scrape; the agent process is `pid`. */
async function measure(
  url: string,
  ca: string,
  pid: number,
  vms: number,
  scrapes: number,
): Promise<Omit<ScrapeFigures, "agentProcess" | "loadavg">> {
  const client = Deno.createHttpClient({ caCerts: [ca] });
  const scrape = async () => {
    const response = await fetch(url, { client });
    if (!response.ok) throw new Error(`${url} answered ${response.status}`);
    return await response.text();
  };
  try {
    let text = await scrape();
    const callsBefore = valueOf(text, "denovirt_agent_domain_stats_calls_total");
    const wall: number[] = [];
    const collect: number[] = [];
    const cpuBefore = await cpuSeconds(pid);
    for (let i = 0; i < scrapes; i++) {
      const t0 = performance.now();
      text = await scrape();
      wall.push(performance.now() - t0);
      collect.push(valueOf(text, "denovirt_agent_metrics_collect_seconds") * 1000);
    }
    const cpuMs = (await cpuSeconds(pid) - cpuBefore) * 1000;
    const names = new Set(
      text.split("\n").filter((l) => l.startsWith("kubevirt_vmi_cpu_usage_seconds_total{"))
        .map((l) => l.match(/[{,]name="([^"]*)"/)?.[1]),
    );
    const calls = valueOf(text, "denovirt_agent_domain_stats_calls_total") - callsBefore;
    return {
      vms,
      vmsInScrape: names.size,
      scrapes,
      series: text.split("\n").filter((l) => l && !l.startsWith("#")).length,
      bytes: text.length,
      libvirtCallsPerScrape: calls / scrapes,
      wallMs: { p50: round(quantile(wall, 0.5)), p95: round(quantile(wall, 0.95)) },
      agentCollectMs: { p50: round(quantile(collect, 0.5)), p95: round(quantile(collect, 0.95)) },
      agentCpuMsPerScrape: cpuMs / scrapes,
    };
  } finally {
    client.close();
  }
}

async function run(stack: RunningStack, opts: { vms: number; scrapes: number; settleS: number }) {
  const rest = RestClient.fromKubeConfig(loadKubeConfig({ kubeconfig: stack.paths.kubeconfig }));
  const libvirt = await openLibvirt(stack.libvirtUri, { events: false });
  try {
    const fixture = await ensureGuestFixture();
    const agent = await agentProcess(stack.paths);
    if (!agent) throw new Error("The stack runs no agent");
    const address = ownNodePlacement(stack.paths, stack.podNetwork).address;
    const url = `https://${address}:${stack.ports.agent}/metrics`;
    const ca = await Deno.readTextFile(pkiFiles(stack.paths.pki).caCert);
    let figures: ScrapeFigures | undefined;
    await startThroughApi({
      stack,
      rest,
      libvirt,
      say,
      diskRaw: fixture.diskRaw,
      marker: fixture.marker,
    }, {
      n: opts.vms,
      intervalMs: 100,
      memory: "96Mi",
      cpuRequest: "10m",
      timeoutMs: (120 + 10 * opts.vms) * 1000,
      namespace: `bench-metrics-${crypto.randomUUID().slice(0, 6)}`,
      atPeak: async () => {
        // The guests have just booted (TCG): let the machine's load fall before measuring.
        say(`Letting the guests settle for ${opts.settleS} s`);
        await new Promise((resolve) => setTimeout(resolve, opts.settleS * 1000));
        say(`Scraping ${url} ${opts.scrapes} times with ${opts.vms} VMs running`);
        const measured = await measure(url, ca, agent.pid, opts.vms, opts.scrapes);
        figures = { ...measured, agentProcess: agent.name, loadavg: loadavg() };
      },
    });
    return figures!;
  } finally {
    rest.close();
    await libvirt.close().catch(() => {});
  }
}

async function main(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      vms: { type: "string", default: "40" },
      scrapes: { type: "string", default: "20" },
      settle: { type: "string", default: "30" },
      out: { type: "string", default: "/tmp/denovirt-metrics-bench" },
      name: { type: "string", default: "metrics-scrape" },
    },
  });
  const opts = {
    vms: Number(values.vms),
    scrapes: Number(values.scrapes),
    settleS: Number(values.settle),
  };
  return await onOwnStack(
    "metrics",
    { out: values.out!, name: values.name! },
    say,
    (stack) => run(stack, opts),
  );
}

if (import.meta.main) Deno.exit(await main(Deno.args));
