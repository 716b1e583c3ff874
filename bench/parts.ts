/** The bench's parts in order, each on the same stack: start + footprint, webhooks, scale. */
import type { LibvirtConnection } from "../agent/libvirt/mod.ts";
import type { RestClient } from "../lib/kube/rest.ts";
import { namespaces } from "../lib/kube/resources.ts";
import type { GuestFixture } from "../stack/fixture/mod.ts";
import { hostDiskDir } from "../stack/roles.ts";
import type { RunningStack } from "../stack/up.ts";
import { scaleFigures, startFigures, webhookFigures } from "./figures.ts";
import { footprintFigures, type FootprintSample, sampleFootprint } from "./footprint.ts";
import { type IdleFigures, idleFigures, measureIdle } from "./idle.ts";
import { idleOnOwnVms, idleOnStartVms } from "./idle_part.ts";
import { startThroughLibvirt } from "./libvirt_floor.ts";
import type { BenchOptions } from "./options.ts";
import { sleep } from "./pace.ts";
import type { BenchResults } from "./report.ts";
import { scaleRun } from "./scale.ts";
import { startThroughApi } from "./start_latency.ts";
import { startSvg } from "./start_plot.ts";
import { benchVm } from "./vm_manifest.ts";
import { webhookLoad } from "./webhook.ts";
import { webhookOverhead } from "./webhook_overhead.ts";
import { admissionThroughApiServer } from "./webhook_apiserver.ts";
import { apiServerWebhookFigures } from "./webhook_apiserver_figures.ts";

export interface PartsContext {
  stack: RunningStack;
  rest: RestClient;
  libvirt: LibvirtConnection;
  say: (line: string) => void;
  fixture: GuestFixture | undefined;
}

/**
 * The start-latency VMs' CPU request. KubeVirt's default of 100m per VMI lets only 20 VMs onto
 * a 2-CPU node; the request only reserves capacity, the guests get one vCPU either way.
 */
export const START_CPU_REQUEST = "10m";

type Figures = Pick<BenchResults, "start" | "footprint" | "idle" | "webhook" | "scale">;

/** Runs the parts `opts.parts` asks for; answers their figures and the start plot. */
export async function runParts(
  ctx: PartsContext,
  opts: BenchOptions,
): Promise<{ results: Figures; svg: string | undefined }> {
  const results: Figures = {};
  let svg: string | undefined;
  if (opts.parts.includes("start")) {
    Object.assign(results, await startPart(ctx, opts));
    svg = startSvg(results.start!);
  }
  if (opts.parts.includes("idle") && !results.idle) {
    results.idle = await idleOnOwnVms(ctx, ctx.fixture!, opts, START_CPU_REQUEST);
  }
  if (opts.parts.includes("webhook")) results.webhook = await webhookPart(ctx, opts);
  if (opts.parts.includes("scale")) {
    ctx.say(`Part: control-plane scale, ${opts.scaleVms} VMs`);
    const run = await scaleRun(ctx.rest, ctx.stack.paths, {
      vms: opts.scaleVms,
      fakeNodes: opts.fakeNodes,
      memory: opts.guestMemory,
      concurrency: 10,
      timeoutMs: Math.max(120_000, opts.scaleVms * 600),
    }, ctx.say);
    results.scale = scaleFigures(run, opts.fakeNodes);
  }
  return { results, svg };
}

async function startPart(ctx: PartsContext, opts: BenchOptions): Promise<Figures> {
  const fixture = ctx.fixture!;
  const start = {
    ...ctx,
    diskRaw: fixture.diskRaw,
    marker: fixture.marker,
  };
  const namespace = (what: string) => `bench-${what}-${crypto.randomUUID().slice(0, 6)}`;
  const timeoutMs = opts.bootTimeoutS * 1000;
  ctx.say("Part: start latency; one VM first to warm the stack up (not counted)");
  const warmup = await startThroughApi(start, {
    n: 1,
    intervalMs: 0,
    memory: opts.guestMemory,
    cpuRequest: START_CPU_REQUEST,
    timeoutMs: 120_000,
    namespace: namespace("warmup"),
    untilMarkers: false,
  });
  await sleep(3_000);
  const atZero = await sampleFootprint(ctx.stack.paths, []);
  let atN: FootprintSample | undefined;
  let idle: IdleFigures | undefined;
  const ns = namespace("start");
  const run = await startThroughApi(start, {
    n: opts.n,
    intervalMs: opts.intervalMs,
    memory: opts.guestMemory,
    cpuRequest: START_CPU_REQUEST,
    timeoutMs,
    namespace: ns,
    atPeak: async () => {
      const domains = Array.from({ length: opts.n }, (_, i) => `${ns}_vm-${i}`);
      atN = await sampleFootprint(ctx.stack.paths, domains);
      if (!idleOnStartVms(opts)) return;
      const vms = { namespace: ns, vms: opts.n, seconds: opts.idleSeconds };
      idle = idleFigures(await measureIdle(ctx.rest, ctx.stack.paths, vms, ctx.say));
    },
  });
  const floor = await startThroughLibvirt(start, run.vmis, {
    intervalMs: opts.intervalMs,
    timeoutMs,
  });
  return {
    start: startFigures(run, floor, {
      intervalMs: opts.intervalMs,
      memory: opts.guestMemory,
      cpuRequest: START_CPU_REQUEST,
      firstStartS: warmup.runningS[0] ?? NaN,
    }),
    footprint: footprintFigures([atZero, atN!]),
    ...(idle ? { idle } : {}),
  };
}

async function webhookPart(ctx: PartsContext, opts: BenchOptions) {
  ctx.say(`Part: admission webhooks, ${opts.webhookRate}/s for ${opts.webhookSeconds} s`);
  const namespace = `bench-hooks-${crypto.randomUUID().slice(0, 6)}`;
  await ctx.rest.create(namespaces, { metadata: { name: namespace } });
  const vm = benchVm("bench-admitted", {
    memory: opts.guestMemory,
    diskPath: `${hostDiskDir(ctx.stack.paths)}/bench-admitted.raw`,
  });
  const load = await webhookLoad(ctx.stack, {
    rate: opts.webhookRate,
    seconds: opts.webhookSeconds,
    warmupSeconds: Math.min(2, opts.webhookSeconds),
    vm,
    namespace,
  });
  ctx.say(`Part: dry-run VM creates through the API server, ${opts.webhookRate}/s`);
  const conditions = { rate: opts.webhookRate, seconds: opts.webhookSeconds };
  const throughApi = await admissionThroughApiServer(ctx.rest, ctx.stack, {
    ...conditions,
    warmupSeconds: Math.min(2, opts.webhookSeconds),
    vm,
  });
  ctx.say(`Part: VM creates through the API server with and without the webhooks`);
  const overhead = await webhookOverhead(ctx.rest, vm, namespace, opts.webhookCreates);
  await ctx.rest.delete(namespaces, { name: namespace }).catch(() => {});
  return {
    ...webhookFigures(load, overhead, conditions),
    ...apiServerWebhookFigures(throughApi, conditions),
  };
}
