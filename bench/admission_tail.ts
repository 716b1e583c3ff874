/**
 * Where admission's tail comes from: the webhooks part's dry-run VM creates through the API server
 * (bench/webhook_apiserver.ts), repeated on one stack under each of a few conditions in turn, so
 * that the rounds compared are close in time: the load generator (this process) at its normal CPU
 * priority or at nice 19, speaking HTTP/1.1 (as the bench's REST client does) or HTTP/2 (as
 * client-go and kubectl do) to kube-apiserver. Beside the
 * API server's histogram: the CPU time of kube-apiserver, etcd, the denovirt process and the load
 * generator over each round, the load average, and the connections kube-apiserver held to the
 * webhooks (churn would mean TLS handshakes). A stack of its own; run it under the machine-wide lock:
 *   flock /tmp/denovirt-suite.lock deno run -A bench/admission_tail.ts --out=/tmp/x
 * (`--rate=200` creates/s for `--seconds=30`, `--pairs=2` rounds of each of
 * `--conditions=h1,h1-nice19`; also `h2`, `h2-nice19`).
 */
import { loadavg } from "node:os";
import process from "node:process";
import { parseArgs } from "node:util";
import { loadKubeConfig } from "../lib/kube/config.ts";
import { RestClient } from "../lib/kube/rest.ts";
import { transportFrom } from "../lib/kube/transport.ts";
import { pkiFiles } from "../stack/pki.ts";
import { hostDiskDir } from "../stack/roles.ts";
import type { RunningStack } from "../stack/up.ts";
import { onOwnStack } from "./own_stack.ts";
import { processUse, roleUse } from "./scale.ts";
import { benchVm } from "./vm_manifest.ts";
import { admissionThroughApiServer } from "./webhook_apiserver.ts";
import { apiServerWebhookFigures } from "./webhook_apiserver_figures.ts";

const began = performance.now();
const say = (line: string) =>
  console.log(`[admission-tail +${((performance.now() - began) / 1000).toFixed(0)}s] ${line}`);

/** Sets the nice value of every thread of this process (Linux priorities are per thread). */
async function niceAllThreads(value: number) {
  const tids: string[] = [];
  for await (const entry of Deno.readDir(`/proc/${Deno.pid}/task`)) tids.push(entry.name);
  const out = await new Deno.Command("renice", { args: ["-n", String(value), "-p", ...tids] })
    .output();
  if (!out.success) throw new Error(`renice failed: ${new TextDecoder().decode(out.stderr)}`);
}

/** The distinct client ports seen connected to `port` while `signal` is not aborted. */
function watchPeers(port: number, signal: AbortSignal): Promise<{ distinct: number; max: number }> {
  const peers = new Set<string>();
  let max = 0;
  return (async () => {
    while (!signal.aborted) {
      const out = await new Deno.Command("ss", {
        args: ["-tanH", "state", "established", `( sport = :${port} )`],
      }).output();
      const lines = new TextDecoder().decode(out.stdout).split("\n").filter((l) => l.trim());
      max = Math.max(max, lines.length);
      for (const line of lines) peers.add(line.trim().split(/\s+/).at(-1) ?? "");
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    return { distinct: peers.size, max };
  })();
}

async function cpuNow(stack: RunningStack) {
  const own = process.cpuUsage();
  return {
    apiserver: (await processUse(stack.paths, "kube-apiserver")).cpuSeconds,
    etcd: (await processUse(stack.paths, "etcd")).cpuSeconds,
    denovirt: (await roleUse(stack.paths, "webhooks")).cpuSeconds,
    loadGenerator: (own.user + own.system) / 1e6,
    all: await totalCpuSeconds(),
  };
}

/** The machine's busy CPU time (s) from /proc/stat: every process, ours and others'. */
async function totalCpuSeconds(): Promise<number> {
  const line = (await Deno.readTextFile("/proc/stat")).split("\n")[0] ?? "";
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0] = line.split(/\s+/).slice(1)
    .map(Number);
  return (user + nice + system + irq + softirq) / 100;
}

/** A load generator's condition: `h1` or `h2` (its protocol to kube-apiserver), `-nice19`. */
export function parseCondition(name: string): { http2: boolean; nice: number } {
  const match = /^h([12])(?:-nice(\d+))?$/.exec(name);
  if (!match) throw new Error(`--conditions: unknown condition ${JSON.stringify(name)}`);
  return { http2: match[1] === "2", nice: Number(match[2] ?? 0) };
}

/** The admin's client over HTTP/2 only, as client-go talks to kube-apiserver. */
async function http2Client(stack: RunningStack): Promise<RestClient> {
  const base = transportFrom(loadKubeConfig({ kubeconfig: stack.paths.kubeconfig }));
  const pki = pkiFiles(stack.paths.pki);
  const [caCert, cert, key] = await Promise.all(
    [pki.caCert, pki.cert("admin"), pki.key("admin")].map((f) => Deno.readTextFile(f)),
  );
  const client = Deno.createHttpClient({
    http1: false,
    http2: true,
    caCerts: [caCert!],
    cert,
    key,
  });
  return new RestClient({
    ...base,
    client,
    close: () => {
      client.close();
      base.close();
    },
  });
}

async function run(
  stack: RunningStack,
  opts: { rate: number; seconds: number; pairs: number; conditions: string[] },
) {
  const h1 = RestClient.fromKubeConfig(loadKubeConfig({ kubeconfig: stack.paths.kubeconfig }));
  const h2 = await http2Client(stack);
  try {
    const diskPath = `${hostDiskDir(stack.paths)}/bench-admitted.raw`;
    const vm = benchVm("bench-admitted", { memory: "96Mi", diskPath });
    const conditions = { rate: opts.rate, seconds: opts.seconds };
    const rounds: unknown[] = [];
    for (let pair = 0; pair < opts.pairs; pair++) {
      for (const condition of opts.conditions) {
        const { http2, nice } = parseCondition(condition);
        const rest = http2 ? h2 : h1;
        await niceAllThreads(nice);
        say(`Round ${rounds.length + 1}: ${opts.rate}/s, load generator ${condition}`);
        const stop = new AbortController();
        const peers = watchPeers(stack.ports.webhooks, stop.signal);
        const apiPeers = watchPeers(stack.ports.apiserver, stop.signal);
        const before = await cpuNow(stack);
        const loadBefore = loadavg();
        const measured = await admissionThroughApiServer(rest, stack, {
          ...conditions,
          warmupSeconds: 2,
          vm,
        });
        const after = await cpuNow(stack);
        stop.abort();
        const perCreateMs = Object.fromEntries(
          Object.keys(after).map((k) => {
            const key = k as keyof typeof after;
            return [
              key,
              Math.round((after[key] - before[key]) * 1e5 / measured.creates.sent) / 100,
            ];
          }),
        );
        const figures = apiServerWebhookFigures(measured, conditions);
        const round = {
          condition,
          nice,
          loadavg_before: loadBefore,
          loadavg_after: loadavg(),
          cpu_ms_per_create: perCreateMs,
          webhook_connections: await peers,
          apiserver_connections: await apiPeers,
          ...figures,
        };
        for (const [name, w] of Object.entries(figures.apiserver_webhooks)) {
          say(
            `  ${name}: p50 ${w.p50_ms} p99 ${w.p99_ms} ms, within 5 ms ${w.within_5ms_percent} %, ` +
              `mean ${w.mean_ms} ms, own p99 ${w.server_p99_ms} ms`,
          );
        }
        say(`  CPU ms per create ${JSON.stringify(perCreateMs)}, load ${loadavg().join(" ")}`);
        say(
          `  connections to the webhooks ${JSON.stringify(round.webhook_connections)}, ` +
            `to kube-apiserver ${JSON.stringify(round.apiserver_connections)}, ` +
            `errors ${figures.apiserver_errors}`,
        );
        rounds.push(round);
      }
    }
    await niceAllThreads(0);
    return { rate: opts.rate, seconds: opts.seconds, rounds };
  } finally {
    h1.close();
    h2.close();
  }
}

async function main(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      rate: { type: "string", default: "200" },
      seconds: { type: "string", default: "30" },
      pairs: { type: "string", default: "2" },
      conditions: { type: "string", default: "h1,h1-nice19" },
      out: { type: "string", default: "/tmp/denovirt-admission-tail" },
      name: { type: "string", default: "admission-tail" },
    },
  });
  const opts = {
    rate: Number(values.rate),
    seconds: Number(values.seconds),
    pairs: Number(values.pairs),
    conditions: values.conditions!.split(","),
  };
  opts.conditions.forEach(parseCondition);
  return await onOwnStack(
    "admission-tail",
    { out: values.out!, name: values.name! },
    say,
    (stack) => run(stack, opts),
  );
}

if (import.meta.main) Deno.exit(await main(Deno.args));
